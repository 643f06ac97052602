import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import { generateDocuments } from './generate-documents.js';
import { type ContractFlags, contractConfigOf } from './settings.js';

export const SNAPSHOT_COMMAND = 'npx bulwark contract snapshot';

interface SnapshotFlags extends ContractFlags {
  service?: string[];
  out?: string;
  check: boolean;
}

/**
 * `bulwark contract snapshot`: writes each service's generated document to
 * `<snapshots>/<service>.json` (or `--out DIR`); `--check` writes nothing and exits 1 when a
 * snapshot differs from what the code generates, naming the command that refreshes it.
 */
export async function runSnapshot(flags: SnapshotFlags, setExitCode: SetExitCode): Promise<void> {
  const { root, config } = contractConfigOf(flags);
  const terminal = createTerminal();
  const documents = await generateDocuments({
    root,
    config,
    ...(flags.service ? { only: flags.service } : {}),
    onProgress: (message) => terminal.progress(message),
  }).finally(() => terminal.progressDone());
  const dir = flags.out ?? join(root, config.snapshots);
  if (flags.check) {
    const stale: string[] = [];
    for (const { service, text } of documents) {
      const file = join(dir, `${service}.json`);
      const current = await readFile(file, 'utf8').catch(() => undefined);
      if (current !== text) stale.push(relative(root, file) || file);
    }
    if (stale.length === 0) {
      terminal.out(`snapshots up to date: ${documents.map((d) => d.service).join(', ')}`);
      setExitCode(EXIT.ok);
      return;
    }
    terminal.out(
      terminal.color.red(`out of date: ${stale.join(', ')}; refresh with \`${SNAPSHOT_COMMAND}\``),
    );
    setExitCode(EXIT.checksFailed);
    return;
  }
  await mkdir(dir, { recursive: true });
  for (const { service, text } of documents) {
    const file = join(dir, `${service}.json`);
    const before = await readFile(file, 'utf8').catch(() => undefined);
    await writeFile(file, text);
    const what = before === undefined ? 'written' : before === text ? 'unchanged' : 'updated';
    terminal.out(`${what}  ${relative(root, file) || file}`);
  }
  setExitCode(EXIT.ok);
}
