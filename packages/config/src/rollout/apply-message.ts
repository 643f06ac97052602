import type { ApplyMessage, ConfigVersion } from '../types.js';
import { documentDigest } from './digest.js';
import { ENGINE_ACTOR, type RolloutRecord } from './records.js';

/**
 * The message a rollout sends now: while running, its stage's instances get the new version;
 * while reverting, every instance the new version was sent to (its stage and the earlier ones)
 * gets the old one, under the same rollout id and the stage that failed.
 */
export function applyMessageOf(rollout: RolloutRecord, version: ConfigVersion): ApplyMessage {
  const reverting = rollout.state === 'reverting';
  return {
    rolloutId: rollout.id,
    reason: reverting ? 'revert' : 'rollout',
    stage: rollout.stage,
    instances: reverting
      ? rollout.stages.slice(0, rollout.stage + 1).flat()
      : [...(rollout.stages[rollout.stage] ?? [])],
    version,
  };
}

/** The version a rollout's current message carries: the new one, or the one it reverts to. */
export function versionToSend(rollout: RolloutRecord): number {
  return rollout.state === 'reverting' ? rollout.fromVersion : rollout.toVersion;
}

/**
 * Version 0, "no registry version", which a revert of a config's first rollout sends: an empty
 * document, so the instance goes back to what its files and environment say.
 */
export function noRegistryVersion(rollout: RolloutRecord, schemaVersion: number): ConfigVersion {
  return {
    config: rollout.config,
    version: 0,
    schemaVersion,
    document: {},
    digest: documentDigest({}),
    publishedAt: new Date(rollout.startedAt).toISOString(),
    publishedBy: ENGINE_ACTOR,
    message: 'no registry version: the instance runs its files and environment',
  };
}
