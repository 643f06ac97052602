import type { Ack, Presence } from '../types.js';
import type { RegistryEvent, RolloutRecord } from './records.js';
import type { RegistryStore } from './store.js';

/**
 * What consumers report, stored: an acknowledgement against its rollout's target, a presence
 * against its instance. Both run inside the transaction that also moves the feed's position, so
 * a report is applied exactly once whatever the transport delivers twice.
 */

/**
 * Records an acknowledgement: an `applied` one is also the version the instance now runs. It
 * counts for the new version (or, once a revert began, for the old one) when it comes from an
 * instance the rollout sent it to. Returns the rollout and the ledger event when it changed
 * anything; undefined for an answer already recorded, or one no rollout asked for.
 */
export async function recordAck(
  tx: RegistryStore,
  ack: Ack,
  now: number,
): Promise<{ rollout: RolloutRecord; event: RegistryEvent } | undefined> {
  if (ack.result === 'applied') {
    await tx.recordReport({
      config: ack.config,
      instance: ack.instance,
      version: ack.version,
      reportedAt: timeOf(ack.at, now),
      seenAt: now,
    });
  }
  const rollout = await tx.rollout(ack.rolloutId);
  if (rollout === undefined || rollout.config !== ack.config) return undefined;
  const target = await tx.target(rollout.id, ack.instance);
  if (target === undefined || target.stage > rollout.stage) return undefined;
  const forward = ack.version === rollout.toVersion;
  const back = ack.version === rollout.fromVersion && rollout.state !== 'running';
  if (!forward && !back) return undefined;
  // The same answer again (at-least-once delivery, or a consumer re-sending): nothing new.
  if ((forward ? target.ackResult : target.revertResult) === ack.result) return undefined;
  const instance = await tx.instance(ack.config, ack.instance);
  const confirmed =
    ack.result === 'applied' || (ack.result === 'restarting' && instance?.version === ack.version);
  const reason = ack.reason === undefined ? null : oneLine(ack.reason);
  // A late answer to the new version after a revert began is kept too: status shows it.
  await tx.updateTarget(
    rollout.id,
    ack.instance,
    forward
      ? {
          ackResult: ack.result,
          ackReason: reason,
          ackedAt: now,
          ...(confirmed && target.confirmedAt === null ? { confirmedAt: now } : {}),
        }
      : {
          revertResult: ack.result,
          revertReason: reason,
          revertedAt: now,
          ...(confirmed && target.revertConfirmedAt === null ? { revertConfirmedAt: now } : {}),
        },
  );
  return {
    rollout,
    event: {
      kind: 'config.ack',
      actor: ack.instance,
      payload: {
        rolloutId: rollout.id,
        config: ack.config,
        instance: ack.instance,
        version: ack.version,
        result: ack.result,
        ...(reason === null ? {} : { reason }),
      },
    },
  };
}

/**
 * Records a presence: the instance, its health URL and the version it runs. An instance that
 * acknowledged `restarting` is confirmed when it comes back at that version. Returns the config's
 * running rollout, if any.
 */
export async function recordPresence(
  tx: RegistryStore,
  presence: Presence,
  now: number,
): Promise<RolloutRecord | undefined> {
  const instance = await tx.recordReport({
    config: presence.config,
    instance: presence.instance,
    version: presence.version,
    reportedAt: timeOf(presence.at, now),
    seenAt: now,
    healthUrl: presence.healthUrl ?? null,
  });
  const rollout = await tx.activeRollout(presence.config);
  if (rollout === undefined) return undefined;
  const target = await tx.target(rollout.id, presence.instance);
  if (target === undefined || target.stage > rollout.stage) return rollout;
  if (
    rollout.state === 'running' &&
    target.ackResult === 'restarting' &&
    target.confirmedAt === null &&
    instance.version === rollout.toVersion
  ) {
    await tx.updateTarget(rollout.id, presence.instance, { confirmedAt: now });
  }
  if (
    rollout.state === 'reverting' &&
    target.revertResult === 'restarting' &&
    target.revertConfirmedAt === null &&
    instance.version === rollout.fromVersion
  ) {
    await tx.updateTarget(rollout.id, presence.instance, { revertConfirmedAt: now });
  }
  return rollout;
}

/** The sender's time of a message, or now when it is missing or unreadable. */
function timeOf(at: string | undefined, fallback: number): number {
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isFinite(ms) ? ms : fallback;
}

/** A consumer's reason as one bounded line (it is shown in status and the ledger). */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
