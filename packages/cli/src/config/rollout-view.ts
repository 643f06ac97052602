import type { AckStatus, RolloutStatus } from '@bulwark/config';
import { renderTable } from '../output/table.js';
import type { Terminal } from '../output/terminal.js';

/** `v3`; `none` for 0: nothing published yet, or an instance on its files and environment only. */
export const versionText = (version: number | null): string =>
  version === null ? 'unknown' : version === 0 ? 'none' : `v${version}`;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`;

/** The stage's instances, and how many of them answered the message of the current phase. */
export function stageAnswers(status: RolloutStatus): { answered: number; of: number } {
  if (status.state === 'reverting' || status.state === 'reverted') {
    const sent = status.instances.filter((i) => i.sent);
    return { answered: sent.filter((i) => i.revert !== null).length, of: sent.length };
  }
  const stage = status.instances.filter((i) => i.stage === status.stage);
  return { answered: stage.filter((i) => i.ack !== null).length, of: stage.length };
}

/** One line for where the rollout is: its state, stage, phase and acknowledgements. */
export function rolloutLine(status: RolloutStatus): string {
  const what = `${status.kind === 'revert' ? 'revert' : 'rollout'} ${status.config} ${versionText(status.fromVersion)} → ${versionText(status.toVersion)}`;
  const stage = `stage ${status.stage + 1}/${status.stageCount}`;
  const { answered, of } = stageAnswers(status);
  switch (status.state) {
    case 'running': {
      const names = status.instances.filter((i) => i.stage === status.stage).map((i) => i.instance);
      const phase =
        status.phase === 'bake'
          ? `acknowledged by ${of}/${of}; baking ${seconds(status.bakeMs)}`
          : `acknowledged by ${answered}/${of}`;
      return `${what}: ${stage} (${names.join(', ')}): ${phase}`;
    }
    case 'reverting':
      return `${what}: reverting after ${stage}, ${answered}/${of} confirmed the old version: ${status.cause ?? 'no cause recorded'}`;
    case 'completed':
      return `${what}: completed, every stage promoted`;
    case 'reverted':
      return `${what}: reverted at ${stage}: ${status.cause ?? 'no cause recorded'}`;
  }
}

function ackText(ack: AckStatus | null): string {
  if (ack === null) return '-';
  const confirmed = ack.result === 'restarting' && ack.confirmed ? ' (back up)' : '';
  return `${ack.result}${confirmed}${ack.reason ? `: ${ack.reason}` : ''}`;
}

/**
 * A rollout in full: where it is, each instance's answer, and what the instances run. The mixed
 * versions line is left to the caller that already shows it for the config's instances.
 */
export function renderRollout(
  terminal: Terminal,
  status: RolloutStatus,
  options: { readonly mixedLine?: boolean } = {},
): string {
  const { color } = terminal;
  const lines = [
    rolloutLine(status),
    `  id ${status.id}, started ${status.startedAt} by ${status.startedBy}${status.finishedAt ? `, finished ${status.finishedAt}` : ''}`,
  ];
  if (status.reason) lines.push(`  reason: ${status.reason}`);
  lines.push('');
  const rows = status.instances.map((i) => [
    i.instance,
    String(i.stage + 1),
    versionText(i.version),
    i.sent ? ackText(i.ack) : 'not yet sent',
    ackText(i.revert),
    i.health === undefined ? '-' : i.health.green ? 'green' : color.red(`red: ${i.health.detail}`),
  ]);
  lines.push(renderTable(['INSTANCE', 'STAGE', 'RUNS', 'ACK', 'REVERT', 'HEALTH'], rows));
  if (options.mixedLine !== false) {
    const mixed = mixedLine(
      terminal,
      status.config,
      status.versions,
      status.state === 'running' || status.state === 'reverting',
    );
    if (mixed) lines.push('', mixed);
  }
  if (status.unconfirmed.length > 0) {
    lines.push(
      color.bold(
        color.red(
          `UNCONFIRMED: ${status.unconfirmed.join(', ')} did not confirm ${versionText(status.fromVersion)} after the revert and may still run ${versionText(status.toVersion)}`,
        ),
      ),
    );
  }
  return lines.join('\n');
}

/**
 * The loud line for instances on different versions, or undefined when they agree. During a
 * rollout that is expected; after one it is not, and the line says so.
 */
export function mixedLine(
  terminal: Terminal,
  config: string,
  versions: Readonly<Record<string, number>>,
  rolloutRunning: boolean,
): string | undefined {
  const entries = Object.entries(versions);
  if (entries.length <= 1) return undefined;
  const spread = entries
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([version, count]) => `${versionText(Number(version))} on ${count}`)
    .join(', ');
  const why = rolloutRunning
    ? 'a rollout is in progress'
    : 'no rollout is running: finish or revert it (bulwark config revert)';
  return terminal.color.bold(
    terminal.color.red(`MIXED VERSIONS: ${config} instances run ${spread} (${why})`),
  );
}
