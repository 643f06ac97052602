import type { RolloutStatus } from '@bulwark/config';
import type { SetExitCode } from '../commands/index.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { renderTable } from '../output/table.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import type { ConfigSummary, InstancesReply, RegistryClient } from './registry-client.js';
import { type RegistryFlags, registryClient } from './registry-options.js';
import { mixedLine, renderRollout, versionText } from './rollout-view.js';

export interface StatusFlags extends RegistryFlags {
  config?: string;
  rollout?: string;
}

/** One config as `status` shows it: the summary, its instances, and its newest rollout. */
export interface ConfigStatus {
  readonly summary: ConfigSummary;
  readonly instances: InstancesReply;
  readonly rollout: RolloutStatus | null;
}

const ROLLOUT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `bulwark config status`: with --rollout, one rollout and every instance's answer; with
 * --config, that config's instances, the versions they run and its newest rollout; with
 * neither, every config the registry knows. Instances on different versions get a loud line
 * wherever they show. Exit 0: mixed versions are the state of a rollout, not a failure here.
 */
export async function runStatus(flags: StatusFlags, setExitCode: SetExitCode): Promise<void> {
  if (flags.config !== undefined && flags.rollout !== undefined) {
    throw new UsageError('give --config or --rollout, not both');
  }
  if (flags.rollout !== undefined && !ROLLOUT_ID.test(flags.rollout)) {
    throw new UsageError(
      `--rollout takes a rollout id (a UUID), not ${JSON.stringify(flags.rollout.slice(0, 64))}`,
    );
  }
  const client = registryClient(flags);
  const terminal = createTerminal();
  const json = flags.format === 'json';
  if (flags.rollout !== undefined) {
    const status = await client.rollout(flags.rollout);
    terminal.out(json ? JSON.stringify(status, null, 2) : renderRollout(terminal, status));
  } else if (flags.config !== undefined) {
    const status = await configStatus(client, flags.config);
    terminal.out(json ? JSON.stringify(status, null, 2) : renderConfig(terminal, status));
  } else {
    const configs = await client.configs();
    // The instances of a config on mixed versions, to say which versions and how many.
    const spread = new Map<string, InstancesReply>();
    for (const config of configs.filter((c) => c.mixed)) {
      spread.set(config.config, await client.instances(config.config));
    }
    terminal.out(
      json ? JSON.stringify({ configs }, null, 2) : renderOverview(terminal, configs, spread),
    );
  }
  setExitCode(EXIT.ok);
}

async function configStatus(client: RegistryClient, config: string): Promise<ConfigStatus> {
  const summary = await client.config(config);
  const instances = await client.instances(config);
  const rollout = summary.rollout === null ? null : await client.rollout(summary.rollout.id);
  return { summary, instances, rollout };
}

const isRunning = (state: string | undefined) => state === 'running' || state === 'reverting';

function renderConfig(terminal: Terminal, status: ConfigStatus): string {
  const { summary, instances, rollout } = status;
  const lines = [
    `${summary.config}: latest ${versionText(summary.latestVersion)}, current ${versionText(summary.currentVersion)} (schema ${summary.schemaVersions.map((v) => `v${v}`).join(', ') || 'none in this registry'})`,
  ];
  if (instances.instances.length === 0) {
    lines.push('  no instance has announced itself');
  } else {
    lines.push('');
    lines.push(
      renderTable(
        ['INSTANCE', 'RUNS', 'LAST SEEN'],
        instances.instances.map((i) => [i.instance, versionText(i.version), i.lastSeen]),
      ),
    );
  }
  const mixed = mixedLine(terminal, summary.config, instances.versions, isRunning(rollout?.state));
  if (mixed) lines.push('', mixed);
  if (rollout !== null) {
    lines.push('', isRunning(rollout.state) ? 'running rollout:' : 'latest rollout:');
    lines.push(
      renderRollout(terminal, rollout, { mixedLine: false })
        .replace(/^/gm, '  ')
        .replace(/^\s+$/gm, ''),
    );
  }
  return lines.join('\n');
}

function renderOverview(
  terminal: Terminal,
  configs: readonly ConfigSummary[],
  spread: ReadonlyMap<string, InstancesReply>,
): string {
  if (configs.length === 0) return 'the registry knows no config yet';
  const rows = configs.map((c) => [
    c.config,
    versionText(c.latestVersion),
    versionText(c.currentVersion),
    String(c.instances),
    c.rollout === null
      ? '-'
      : `${c.rollout.state} → ${versionText(c.rollout.toVersion)}, stage ${c.rollout.stage + 1}/${c.rollout.stageCount}${c.rollout.cause ? `: ${c.rollout.cause}` : ''}`,
  ]);
  const lines = [renderTable(['CONFIG', 'LATEST', 'CURRENT', 'INSTANCES', 'ROLLOUT'], rows)];
  for (const config of configs) {
    const instances = spread.get(config.config);
    const line =
      instances === undefined
        ? undefined
        : mixedLine(terminal, config.config, instances.versions, isRunning(config.rollout?.state));
    if (line) lines.push('', line);
  }
  return lines.join('\n');
}
