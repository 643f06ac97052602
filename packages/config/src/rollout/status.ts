import { ConfigRegistryError } from '../errors.js';
import type { AckResult } from '../types.js';
import type { HealthVerdict } from './health.js';
import type {
  InstanceRecord,
  RolloutKind,
  RolloutPhase,
  RolloutRecord,
  RolloutState,
  TargetRecord,
} from './records.js';
import type { RegistryStore } from './store.js';

/** What one instance of a rollout said, and the version it runs as it last reported. */
export interface InstanceRolloutStatus {
  readonly instance: string;
  /** The stage (0-based) that sends it the new version. */
  readonly stage: number;
  /** Whether the new version was sent to it (its stage was reached). */
  readonly sent: boolean;
  /** The version it runs, from its latest presence or `applied` ack; null: it was forgotten. */
  readonly version: number | null;
  readonly ack: AckStatus | null;
  /** After a failure: its answer to the revert. */
  readonly revert: AckStatus | null;
  /** The last health reading during a bake, when this registry process made one. */
  readonly health?: HealthStatus;
}

export interface AckStatus {
  readonly result: AckResult;
  readonly reason?: string;
  readonly at: string;
  /** `applied`, or `restarting` and back at the version since. */
  readonly confirmed: boolean;
}

export interface HealthStatus extends HealthVerdict {
  readonly at: string;
}

/** A rollout as GET /v1/rollouts/:id and `bulwark config status` show it. */
export interface RolloutStatus {
  readonly id: string;
  readonly config: string;
  readonly kind: RolloutKind;
  readonly state: RolloutState;
  readonly phase: RolloutPhase;
  /** 0-based; after a failure, the stage that failed. */
  readonly stage: number;
  readonly stageCount: number;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly bakeMs: number;
  readonly ackTimeoutMs: number;
  readonly deadline: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
  readonly startedBy: string;
  readonly reason: string | null;
  /** Why it was reverted: one line naming the instance and what happened. */
  readonly cause: string | null;
  readonly instances: readonly InstanceRolloutStatus[];
  /** The instances do not all run one version (a rollout in progress, or one left unfinished). */
  readonly mixed: boolean;
  /** How many of the rollout's instances run each version, as they last reported. */
  readonly versions: Readonly<Record<string, number>>;
  /**
   * After a revert: the instances that were sent the new version and have not confirmed the old
   * one (no answer before the revert's deadline, or a refusal). They may still run the new one.
   */
  readonly unconfirmed: readonly string[];
}

/** Builds the status of a rollout from its stored records (and the health readings kept). */
export function rolloutStatus(
  rollout: RolloutRecord,
  targets: readonly TargetRecord[],
  instances: readonly InstanceRecord[],
  health?: ReadonlyMap<string, HealthVerdict & { at: number }>,
): RolloutStatus {
  const versionOf = new Map(instances.map((i) => [i.instance, i.version]));
  const rows = targets.map((target): InstanceRolloutStatus => {
    const reading = health?.get(target.instance);
    return {
      instance: target.instance,
      stage: target.stage,
      sent: target.stage <= rollout.stage,
      version: versionOf.get(target.instance) ?? null,
      ack: ackStatus(target.ackResult, target.ackReason, target.ackedAt, target.confirmedAt),
      revert: ackStatus(
        target.revertResult,
        target.revertReason,
        target.revertedAt,
        target.revertConfirmedAt,
      ),
      ...(reading === undefined
        ? {}
        : {
            health: {
              green: reading.green,
              detail: reading.detail,
              at: new Date(reading.at).toISOString(),
            },
          }),
    };
  });
  const versions: Record<string, number> = {};
  for (const row of rows) {
    if (row.version !== null) versions[row.version] = (versions[row.version] ?? 0) + 1;
  }
  const unconfirmed =
    rollout.state === 'reverted' || rollout.state === 'reverting'
      ? targets
          .filter((t) => t.stage <= rollout.stage && t.revertConfirmedAt === null)
          .map((t) => t.instance)
      : [];
  return {
    id: rollout.id,
    config: rollout.config,
    kind: rollout.kind,
    state: rollout.state,
    phase: rollout.phase,
    stage: rollout.stage,
    stageCount: rollout.stages.length,
    fromVersion: rollout.fromVersion,
    toVersion: rollout.toVersion,
    bakeMs: rollout.bakeMs,
    ackTimeoutMs: rollout.ackTimeoutMs,
    deadline: iso(rollout.deadline),
    startedAt: new Date(rollout.startedAt).toISOString(),
    updatedAt: new Date(rollout.updatedAt).toISOString(),
    finishedAt: iso(rollout.finishedAt),
    startedBy: rollout.startedBy,
    reason: rollout.reason,
    cause: rollout.cause,
    instances: rows,
    mixed: Object.keys(versions).length > 1,
    versions,
    unconfirmed,
  };
}

function ackStatus(
  result: AckResult | null,
  reason: string | null,
  at: number | null,
  confirmedAt: number | null,
): AckStatus | null {
  if (result === null || at === null) return null;
  return {
    result,
    ...(reason === null ? {} : { reason }),
    at: new Date(at).toISOString(),
    confirmed: confirmedAt !== null,
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A stored rollout's status, or CONFIG_NOT_FOUND (also for an id that is not a UUID). */
export async function loadRolloutStatus(
  store: RegistryStore,
  id: string,
  health?: ReadonlyMap<string, HealthVerdict & { at: number }>,
): Promise<RolloutStatus> {
  const rollout = await store.rollout(id);
  if (rollout === undefined) {
    throw new ConfigRegistryError(
      'CONFIG_NOT_FOUND',
      `no rollout has id ${JSON.stringify(id.slice(0, 64))}`,
    );
  }
  const [targets, instances] = await Promise.all([
    store.targets(id),
    store.instances(rollout.config),
  ]);
  return rolloutStatus(rollout, targets, instances, health);
}
