import type { SetExitCode } from '../commands/index.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { renderTable } from '../output/table.js';
import { createTerminal } from '../output/terminal.js';
import { type RegistryFlags, registryClient } from './registry-options.js';
import { versionText } from './rollout-view.js';

export interface HistoryFlags extends RegistryFlags {
  config: string;
  limit: string;
}

/** `bulwark config history --config NAME`: its versions, newest first, the current one marked. */
export async function runHistory(flags: HistoryFlags, setExitCode: SetExitCode): Promise<void> {
  const limit = Number(flags.limit);
  if (!/^\d{1,5}$/.test(flags.limit) || limit < 1 || limit > 10_000) {
    throw new UsageError(
      `--limit takes a number of versions from 1 to 10000, not ${JSON.stringify(flags.limit.slice(0, 32))}`,
    );
  }
  const client = registryClient(flags);
  const summary = await client.config(flags.config);
  const versions = await client.history(flags.config, limit);
  const terminal = createTerminal();
  if (flags.format === 'json') {
    terminal.out(
      JSON.stringify(
        {
          config: summary.config,
          latestVersion: summary.latestVersion,
          currentVersion: summary.currentVersion,
          versions,
        },
        null,
        2,
      ),
    );
  } else if (versions.length === 0) {
    terminal.out(`${summary.config}: no version published yet`);
  } else {
    const rows = versions.map((v) => [
      versionText(v.version) + (v.version === summary.currentVersion ? ' (current)' : ''),
      `v${v.schemaVersion}`,
      v.publishedAt,
      v.publishedBy,
      v.digest.slice(0, 12),
      v.message ?? '',
    ]);
    terminal.out(renderTable(['VERSION', 'SCHEMA', 'PUBLISHED', 'BY', 'DIGEST', 'MESSAGE'], rows));
  }
  setExitCode(EXIT.ok);
}
