import type { ConfigVersion, RolloutStatus } from '@bulwark/config';
import type { SetExitCode } from '../commands/index.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { checkDocumentFile } from './document-file.js';
import {
  type RegistryFlags,
  type RolloutFlags,
  registryClient,
  rolloutSettings,
  versionFlag,
} from './registry-options.js';
import { followOrPoint } from './rollout-follow.js';
import { versionText } from './rollout-view.js';
import { schemaEntry } from './schema-option.js';

export interface PublishFlags extends RegistryFlags, RolloutFlags {
  config: string;
  schemaVersion?: string;
  message?: string;
  rollout?: boolean;
}

/** What `publish --format json` prints. */
export interface PublishReport {
  readonly version: ConfigVersion;
  /** With --rollout: as started, or with --wait as it ended. */
  readonly rollout?: RolloutStatus;
}

/**
 * `bulwark config publish FILE --config NAME`: validates the document here against the schema
 * the registry will use (a failure is one line naming the path, exit 2, and nothing is sent),
 * stores it as the config's next version, and with --rollout starts a staged rollout of it.
 * With --wait: exit 0 once every stage is promoted, 1 when it was reverted (the cause printed).
 */
export async function runPublish(
  file: string,
  flags: PublishFlags,
  setExitCode: SetExitCode,
): Promise<void> {
  if (!flags.rollout) {
    const stray = (['stages', 'bake', 'ackTimeout', 'wait'] as const).filter((flag) => flags[flag]);
    if (stray.length > 0) {
      throw new UsageError(
        `${stray.map((flag) => `--${flag === 'ackTimeout' ? 'ack-timeout' : flag}`).join(', ')} go${stray.length === 1 ? 'es' : ''} with --rollout`,
      );
    }
  }
  // Everything that can be refused here is, before a request is made.
  const settings = flags.rollout ? rolloutSettings(flags) : undefined;
  const client = registryClient(flags);
  const schemaVersion =
    flags.schemaVersion === undefined
      ? undefined
      : versionFlag('--schema-version', flags.schemaVersion);
  const entry = await schemaEntry({ name: flags.config, version: schemaVersion });
  const { document } = await checkDocumentFile(entry, file);

  const terminal = createTerminal();
  const text = flags.format === 'text';
  // The schema version is sent as checked here, so the registry validates against the same one.
  const version = await client.publish(entry.name, {
    document,
    schemaVersion: entry.version,
    ...(flags.message === undefined ? {} : { message: flags.message }),
  });
  if (text) terminal.out(publishedLine(version));
  if (settings === undefined) {
    if (!text) terminal.out(JSON.stringify({ version } satisfies PublishReport, null, 2));
    setExitCode(EXIT.ok);
    return;
  }

  let rollout = await client.startRollout(entry.name, {
    version: version.version,
    ...settings,
    ...(flags.message === undefined ? {} : { reason: flags.message }),
  });
  rollout = await followOrPoint(client, rollout, terminal, { text, wait: Boolean(flags.wait) });
  if (!text) terminal.out(JSON.stringify({ version, rollout } satisfies PublishReport, null, 2));
  setExitCode(flags.wait ? rolloutExit(terminal, rollout, text) : EXIT.ok);
}

function publishedLine(version: ConfigVersion): string {
  return `published ${version.config} ${versionText(version.version)} (schema v${version.schemaVersion}, digest ${version.digest.slice(0, 12)})`;
}

/**
 * The exit code of a rollout followed to its end: 0 completed, 1 reverted. A revert that some
 * instances did not confirm is said loudly: they may still run the version that was refused.
 */
export function rolloutExit(terminal: Terminal, status: RolloutStatus, text: boolean): number {
  if (status.state === 'completed') return EXIT.ok;
  if (text && status.unconfirmed.length > 0) {
    terminal.out(
      terminal.color.bold(
        terminal.color.red(
          `UNCONFIRMED: ${status.unconfirmed.join(', ')} did not confirm ${versionText(status.fromVersion)} and may still run ${versionText(status.toVersion)}`,
        ),
      ),
    );
  }
  return EXIT.checksFailed;
}
