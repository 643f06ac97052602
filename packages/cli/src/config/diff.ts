import type { DocumentChange } from '@bulwark/config';
import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { type RegistryFlags, registryClient, versionFlag } from './registry-options.js';
import { versionText } from './rollout-view.js';

export interface DiffFlags extends RegistryFlags {
  config: string;
}

/**
 * `bulwark config diff --config NAME FROM TO`: what changed, by JSON pointer, as the registry
 * compares the two documents (FROM 0: the empty document). Exit 0 whether or not anything did.
 */
export async function runDiff(
  from: string,
  to: string,
  flags: DiffFlags,
  setExitCode: SetExitCode,
): Promise<void> {
  const older = versionFlag('FROM', from, true);
  const newer = versionFlag('TO', to);
  const diff = await registryClient(flags).diff(flags.config, older, newer);
  const terminal = createTerminal();
  if (flags.format === 'json') {
    terminal.out(JSON.stringify(diff, null, 2));
  } else {
    const count = diff.changes.length;
    terminal.out(
      `${diff.config} ${diff.from === 0 ? 'empty document' : versionText(diff.from)} → ${versionText(diff.to)}: ${count === 0 ? 'no changes' : `${count} change${count === 1 ? '' : 's'}`}`,
    );
    for (const change of diff.changes) terminal.out(changeLine(terminal, change));
  }
  setExitCode(EXIT.ok);
}

function changeLine(terminal: Terminal, change: DocumentChange): string {
  const { color } = terminal;
  const json = (value: unknown) => JSON.stringify(value);
  const path = change.path || '/';
  switch (change.op) {
    case 'add':
      return color.green(`+ ${path}: ${json(change.value)}`);
    case 'remove':
      return color.red(`- ${path}: ${json(change.oldValue)}`);
    case 'replace':
      return color.yellow(`~ ${path}: ${json(change.oldValue)} → ${json(change.value)}`);
  }
}
