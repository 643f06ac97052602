import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isSecretFinding, scanSecrets, secretsBaselineYaml } from '@bulwark/release';
import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import { type ConfigFlags, configOf, released, shown } from './settings.js';

interface BaselineFlags extends ConfigFlags {
  owner: string;
  reason: string;
  expires: string;
}

/**
 * `bulwark release baseline`: the secret findings no baseline entry covers, added to the
 * baseline with one owner, reason and expiry, keeping the file's comments. Reviewed like code:
 * the file is committed.
 */
export async function releaseBaseline(
  flags: BaselineFlags,
  setExitCode: SetExitCode,
): Promise<void> {
  const { root, config } = configOf(flags);
  const file = resolve(root, config.secrets.baseline);
  const terminal = createTerminal();
  terminal.progress('scanning for secrets');
  const result = await released(() =>
    scanSecrets({
      root,
      baselineFile: file,
      history: config.secrets.history,
      exclude: config.secrets.exclude,
      now: new Date(),
    }),
  ).finally(() => terminal.progressDone());
  const added = result.findings.filter((f) => isSecretFinding(f) && !f.waived);
  if (added.length > 0) {
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    const text = await released(async () =>
      secretsBaselineYaml(added, {
        owner: flags.owner,
        reason: flags.reason,
        expires: flags.expires,
        ...(existing !== undefined ? { existing } : {}),
      }),
    );
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  if (flags.format === 'json') {
    terminal.out(JSON.stringify({ baseline: shown(file), added: added.length }));
  } else {
    terminal.out(`${added.length} finding${added.length === 1 ? '' : 's'} added to ${shown(file)}`);
  }
  setExitCode(EXIT.ok);
}
