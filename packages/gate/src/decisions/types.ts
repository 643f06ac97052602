import type { DecisionInput, RuleEffect } from '../policy/types.js';

/** What gate.decide() and POST /v1/decisions answer. */
export interface Decision {
  /** Unique, time-ordered (UUIDv7), and the id of the decision's ledger record. */
  readonly id: string;
  readonly allow: boolean;
  /** `backpressure` when the outbox is full: denied without being evaluated. */
  readonly effect: RuleEffect | 'backpressure';
  readonly reason: string;
  readonly ruleId?: string;
  readonly mode: string;
  readonly policyVersion: number;
  readonly policyDigest: string;
  /** The transition counter the mode was entered at (0 before any transition). */
  readonly counter: number;
  readonly time: string;
}

/** Kinds of record the gate writes to its ledger stream. */
export type GateRecordKind =
  | 'gate.decision'
  | 'gate.transition.accepted'
  | 'gate.transition.rejected'
  | 'gate.bundle.installed'
  | 'gate.bundle.refused'
  | 'gate.egress.blocked';

/** One ledger entry the gate writes, in the order it happened. */
export interface GateRecord {
  readonly kind: GateRecordKind;
  readonly actor: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * Where the gate's records go before the ledger. `record` resolves only once the record is
 * durable (it survives kill -9); it rejects with OutboxFullError at the bound, never dropping.
 */
export interface DecisionRecorder {
  record(record: GateRecord): Promise<void>;
  /** Records written and not yet acknowledged by the ledger. */
  depth(): number;
}

export type { DecisionInput };
