/**
 * The shapes every part of the config registry agrees on: a document's identity, the messages a
 * rollout sends to consumers and the acknowledgements they send back. The registry, the
 * transports and the consumer each own one side; none of them reaches into another's files.
 */

/** A config name: what a schema and its documents are called (`notifications`). */
export type ConfigName = string;

/** One published version of a config document. Versions count from 1 per config name. */
export interface ConfigVersion {
  readonly config: ConfigName;
  readonly version: number;
  /** The schema version the document was validated against (`notifications.v1` → 1). */
  readonly schemaVersion: number;
  /** The document as published: `${secret:name}` references stay references until apply. */
  readonly document: Readonly<Record<string, unknown>>;
  /** SHA-256 of the canonical JSON of `document`, hex. */
  readonly digest: string;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly message?: string;
}

/** Why a consumer is asked to apply a version: a rollout's stage, or a revert to the last good. */
export type ApplyReason = 'rollout' | 'revert';

/** The registry → consumers message: apply this version, and acknowledge it. */
export interface ApplyMessage {
  readonly rolloutId: string;
  readonly reason: ApplyReason;
  /** The stage this message belongs to (0-based); reverts carry the stage that failed. */
  readonly stage: number;
  /** The instances that must apply it; the others ignore the message. */
  readonly instances: readonly string[];
  readonly version: ConfigVersion;
}

/** What a consumer did with an ApplyMessage. */
export type AckResult =
  /** Validated and applied live; the instance now runs `version`. */
  | 'applied'
  /** Validated; a key that needs a restart changed, so the instance drains and restarts on it. */
  | 'restarting'
  /** Not applied: it failed validation or the apply hook threw; the instance keeps its version. */
  | 'refused';

/** The consumer → registry acknowledgement. */
export interface Ack {
  readonly rolloutId: string;
  readonly config: ConfigName;
  readonly instance: string;
  readonly version: number;
  readonly result: AckResult;
  /** For `refused`: one line, naming the path that failed where there is one. */
  readonly reason?: string;
  readonly at: string;
}

/** A consumer's standing announcement: which instance runs which version (sent at start). */
export interface Presence {
  readonly config: ConfigName;
  readonly instance: string;
  /** 0 when the instance runs no registry version yet (only its files and environment). */
  readonly version: number;
  /** Where the registry reads the instance's health during a stage's bake (GET → 200 is green). */
  readonly healthUrl?: string;
  readonly at: string;
}
