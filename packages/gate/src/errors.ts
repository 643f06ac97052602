import { BulwarkError } from '@bulwark/kit';

/**
 * Why a signed policy bundle was refused. `bad-signature` is a signature block that is present
 * but does not verify: refused in every environment, never treated as "unsigned".
 */
export type BundleRefusal =
  | 'malformed'
  | 'invalid-policy'
  | 'unsigned'
  | 'unknown-key'
  | 'bad-signature'
  | 'tampered'
  | 'rollback'
  | 'expired'
  | 'wrong-gate';

/** Why a mode transition request was rejected; each is recorded in the ledger with its reason. */
export type TransitionRejection =
  | 'malformed'
  | 'wrong-gate'
  | 'unknown-mode'
  | 'unknown-key'
  | 'bad-signature'
  | 'tampered'
  | 'duplicate-signer'
  | 'quorum'
  | 'not-yet-valid'
  | 'expired'
  | 'too-long-lived'
  | 'replayed-nonce'
  | 'counter-rollback';

export class GateError extends BulwarkError {}

/** A policy file that fails its schema or cannot be compiled; `message` names the place. */
export class PolicyError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_POLICY_INVALID', 400, message, options);
  }
}

export class BundleRefusedError extends GateError {
  readonly reason: BundleRefusal;

  constructor(reason: BundleRefusal, message: string, options?: ErrorOptions) {
    super(`BW_GATE_BUNDLE_${reason.toUpperCase().replaceAll('-', '_')}`, 422, message, options);
    this.reason = reason;
  }
}

export class TransitionRejectedError extends GateError {
  readonly reason: TransitionRejection;

  constructor(reason: TransitionRejection, message: string, options?: ErrorOptions) {
    super(`BW_GATE_TRANSITION_${reason.toUpperCase().replaceAll('-', '_')}`, 422, message, options);
    this.reason = reason;
  }
}

/** The decision outbox is at its bound: the gate denies rather than drop a record. */
export class OutboxFullError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_OUTBOX_FULL', 503, message, options);
  }
}

/** The gate's persisted state (mode, counter, installed bundle) cannot be read or written. */
export class GateStateError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_STATE', 500, message, options);
  }
}

/** An outbound connection refused by the in-process egress guard. */
export class EgressDeniedError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_EGRESS_DENIED', 403, message, options);
  }
}
