import type { InstanceRecord, RolloutRecord, TargetRecord } from './records.js';

/**
 * Why a rollout is reverted, each as the one line status, the log and the ledger show: which
 * instance, and what happened. Kept together so every cause reads alike.
 */

export function refusedCause(target: TargetRecord, rollout: RolloutRecord): string {
  const why = target.ackReason === null ? '' : `: ${target.ackReason}`;
  return `${target.instance} refused v${rollout.toVersion}${why}`;
}

export function missingCause(target: TargetRecord, rollout: RolloutRecord): string {
  const within = `within ${rollout.ackTimeoutMs} ms`;
  if (target.ackResult === 'restarting') {
    return `${target.instance} restarted for v${rollout.toVersion} but did not come back at it ${within}`;
  }
  return `${target.instance} did not acknowledge v${rollout.toVersion} ${within}`;
}

export function healthCause(
  red: { instance: string; detail: string },
  rollout: RolloutRecord,
): string {
  return `${red.instance} health regressed during the bake of stage ${rollout.stage + 1}: ${red.detail}`;
}

export function movedOffCause(
  moved: { instance: string; version: number },
  rollout: RolloutRecord,
): string {
  return `${moved.instance} reports v${moved.version} after it applied v${rollout.toVersion}`;
}

export function downPastAcksCause(missing: TargetRecord, rollout: RolloutRecord): string {
  return `the registry was down past stage ${rollout.stage + 1}'s deadline; ${missing.instance} had not acknowledged v${rollout.toVersion}`;
}

export function downPastBakeCause(rollout: RolloutRecord): string {
  return `the registry was down past the end of stage ${rollout.stage + 1}'s bake and could not watch its health`;
}

/** A confirmed instance that reports another version since (restarted on its files, say). */
export function movedOff(
  reached: readonly TargetRecord[],
  instances: readonly InstanceRecord[],
  version: number,
): { instance: string; version: number } | undefined {
  const known = new Map(instances.map((i) => [i.instance, i.version]));
  for (const target of reached) {
    if (target.confirmedAt === null) continue;
    const reported = known.get(target.instance);
    if (reported !== undefined && reported !== version) {
      return { instance: target.instance, version: reported };
    }
  }
  return undefined;
}
