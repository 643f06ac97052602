import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import { rolloutExit } from './publish.js';
import {
  type RegistryFlags,
  type RolloutFlags,
  registryClient,
  rolloutSettings,
  versionFlag,
} from './registry-options.js';
import { followOrPoint } from './rollout-follow.js';

export interface RevertFlags extends RegistryFlags, RolloutFlags {
  config: string;
  to: string;
  reason?: string;
}

/**
 * `bulwark config revert --config NAME --to N`: rolls the instances back to an earlier version
 * through the same staged rollout as any other (acknowledgements, bake), so going back is as
 * careful as going forward. With --wait: exit 0 once every instance runs it, 1 if it failed.
 */
export async function runRevert(flags: RevertFlags, setExitCode: SetExitCode): Promise<void> {
  const version = versionFlag('--to', flags.to);
  const settings = rolloutSettings(flags);
  const client = registryClient(flags);
  const terminal = createTerminal();
  const text = flags.format === 'text';
  let rollout = await client.revert(flags.config, {
    version,
    ...settings,
    ...(flags.reason === undefined ? {} : { reason: flags.reason }),
  });
  rollout = await followOrPoint(client, rollout, terminal, { text, wait: Boolean(flags.wait) });
  if (!text) terminal.out(JSON.stringify(rollout, null, 2));
  setExitCode(flags.wait ? rolloutExit(terminal, rollout, text) : EXIT.ok);
}
