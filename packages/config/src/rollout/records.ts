import type { AckResult } from '../types.js';
import type { StageSize } from './stage-plan.js';

/**
 * The registry's stored state as the engine and the service read it. Times are milliseconds
 * since the epoch, by the registry's clock.
 */

/** running → completed, or running → reverting → reverted. */
export type RolloutState = 'running' | 'reverting' | 'completed' | 'reverted';
export const ROLLOUT_STATES: readonly RolloutState[] = [
  'running',
  'reverting',
  'completed',
  'reverted',
];

/** `acks`: waiting for acknowledgements (of the stage, or of the revert); `bake`: watching health. */
export type RolloutPhase = 'acks' | 'bake' | 'done';

/** `revert`: an operator's rollout back to an earlier version (POST …/revert). */
export type RolloutKind = 'rollout' | 'revert';

export interface RolloutRecord {
  readonly id: string;
  readonly config: string;
  readonly kind: RolloutKind;
  /** What the instances ran when it started; what a failure reverts them to. 0: no version. */
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly state: RolloutState;
  /** 0-based; after a failure, the stage that failed. */
  readonly stage: number;
  readonly phase: RolloutPhase;
  readonly stagePlan: readonly StageSize[];
  /** The instances of each stage, fixed when it started. */
  readonly stages: readonly (readonly string[])[];
  readonly bakeMs: number;
  readonly ackTimeoutMs: number;
  readonly healthIntervalMs: number;
  /** acks: when the missing ones fail the stage (or end the revert); bake: when it ends. */
  readonly deadline: number | null;
  /** When the current message (the stage's, or the revert's) was published; null: still to send. */
  readonly messageSentAt: number | null;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  readonly startedBy: string;
  readonly reason: string | null;
  readonly cause: string | null;
}

/** One instance a rollout covers, and what it answered. */
export interface TargetRecord {
  readonly rolloutId: string;
  readonly instance: string;
  readonly stage: number;
  readonly ackResult: AckResult | null;
  readonly ackReason: string | null;
  readonly ackedAt: number | null;
  /** Applied, or back at the new version after a restart. */
  readonly confirmedAt: number | null;
  readonly revertResult: AckResult | null;
  readonly revertReason: string | null;
  readonly revertedAt: number | null;
  readonly revertConfirmedAt: number | null;
}

/** An instance a consumer announced, and the version it last said it runs. */
export interface InstanceRecord {
  readonly config: string;
  readonly instance: string;
  readonly version: number;
  readonly healthUrl: string | null;
  /** The instance's own time of its latest report (presence or `applied` ack). */
  readonly reportedAt: number;
  /** When the registry last heard from it. */
  readonly lastSeen: number;
}

/** A published version without its document: one line of history. */
export interface VersionSummary {
  readonly config: string;
  readonly version: number;
  readonly schemaVersion: number;
  readonly digest: string;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly message?: string;
}

/** The registry's own actor, in messages it makes and ledger entries of its decisions. */
export const ENGINE_ACTOR = 'config-registry';

/** What the registry appends to the ledger (stream `config-registry`). */
export interface RegistryEvent {
  /** `config.publish`, `config.rollout.start`, `config.rollout.apply`, `config.ack`, … */
  readonly kind: string;
  /** Who did it: the operator, an instance id (acks), or `config-registry` (the engine). */
  readonly actor: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** An event waiting in the outbox to be sent to the ledger. */
export interface PendingEvent extends RegistryEvent {
  readonly id: string;
}
