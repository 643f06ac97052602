import type { Verifier } from '@bulwark/keys';
import { TransitionRejectedError, type TransitionRejection } from '../errors.js';
import { worstSignatureFailure } from '../signature-failure.js';
import {
  assertTransitionRequest,
  keyNameOf,
  TRANSITION_PAYLOAD_TYPE,
  transitionBodyBytes,
} from './request.js';
import type { TransitionBody } from './schema.js';

export const DEFAULT_CLOCK_SKEW_MS = 30_000;
export const DEFAULT_MAX_TRANSITION_VALIDITY_MS = 60 * 60_000;

/** What a gate holds a transition against. */
export interface TransitionTrust {
  readonly gate: string;
  /** The modes of the installed policy. */
  readonly modes: readonly string[];
  /** The operators' public keys. */
  readonly operators: Verifier;
  /** Distinct operators (key names) that must sign. */
  readonly quorum: number;
  /** The gate's current transition counter. */
  readonly counter: number;
  seenNonce(nonce: string): boolean;
  readonly now: Date;
  readonly clockSkewMs?: number;
  /** The longest expiresAt - notBefore accepted: a long-lived approval is a standing key. */
  readonly maxValidityMs?: number;
}

export interface AcceptedTransition {
  readonly body: TransitionBody;
  /** The key ids whose signatures counted, one per operator. */
  readonly signers: string[];
}

/**
 * Accepts a mode transition or throws TransitionRejectedError naming the first check it fails,
 * in this order: malformed, wrong-gate, unknown-mode, each signature (tampered, unknown-key,
 * bad-signature), duplicate-signer, quorum, too-long-lived, not-yet-valid, expired,
 * replayed-nonce, counter-rollback. Pure: the caller records and applies the outcome.
 */
export function verifyTransition(document: unknown, trust: TransitionTrust): AcceptedTransition {
  const request = assertTransitionRequest(document);
  const { body } = request;
  if (body.gate !== trust.gate) {
    throw reject('wrong-gate', `the transition is for gate "${body.gate}", not "${trust.gate}".`);
  }
  if (!trust.modes.includes(body.to)) {
    throw reject(
      'unknown-mode',
      `mode "${body.to}" is not one of the installed policy's modes (${trust.modes.join(', ')}).`,
    );
  }

  const payload = transitionBodyBytes(body);
  const failure = worstSignatureFailure(
    request.signatures,
    payload,
    TRANSITION_PAYLOAD_TYPE,
    trust.operators,
  );
  if (failure) throw reject(failure.reason, failure.message);

  // One operator is one vote: two versions of the same key (a rotation) are still one person.
  const byOperator = new Map<string, string>();
  for (const { keyId } of request.signatures) {
    const name = keyNameOf(keyId);
    const earlier = byOperator.get(name);
    if (earlier !== undefined) {
      throw reject(
        'duplicate-signer',
        `${earlier} and ${keyId} are the same operator, who may sign a transition only once.`,
      );
    }
    byOperator.set(name, keyId);
  }
  if (byOperator.size < trust.quorum) {
    throw reject(
      'quorum',
      `the transition has ${byOperator.size} valid operator signature(s) and needs ${trust.quorum}.`,
    );
  }

  const skew = trust.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const maxValidity = trust.maxValidityMs ?? DEFAULT_MAX_TRANSITION_VALIDITY_MS;
  const notBefore = Date.parse(body.notBefore);
  const expiresAt = Date.parse(body.expiresAt);
  const now = trust.now.getTime();
  if (expiresAt - notBefore > maxValidity) {
    throw reject(
      'too-long-lived',
      `the transition is valid for ${Math.round((expiresAt - notBefore) / 1000)} s, over the ${Math.round(maxValidity / 1000)} s this gate accepts.`,
    );
  }
  if (now + skew < notBefore) {
    throw reject('not-yet-valid', `the transition is not valid before ${body.notBefore}.`);
  }
  if (now - skew >= expiresAt) {
    throw reject('expired', `the transition expired at ${body.expiresAt}.`);
  }
  if (trust.seenNonce(body.nonce)) {
    throw reject(
      'replayed-nonce',
      `nonce ${body.nonce} was already used by an accepted transition.`,
    );
  }
  if (body.counter <= trust.counter) {
    throw reject(
      'counter-rollback',
      `counter ${body.counter} is not above the gate's current counter ${trust.counter}.`,
    );
  }
  return { body, signers: [...byOperator.values()] };
}

function reject(reason: TransitionRejection, message: string): TransitionRejectedError {
  return new TransitionRejectedError(reason, message.endsWith('.') ? message : `${message}.`);
}
