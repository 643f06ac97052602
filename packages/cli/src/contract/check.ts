import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ContractDiff,
  diffContracts,
  loadOpenApiDocument,
  renderDiffConsole,
  renderDiffJunit,
  renderDiffMarkdown,
} from '@bulwark/contract';
import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import { fileAtCommit, resolveBaseCommit } from './base-ref.js';
import { generateDocuments } from './generate-documents.js';
import { fetchLiveDocuments } from './live-documents.js';
import { type ContractFlags, contractConfigOf, contractedAsync } from './settings.js';
import { SNAPSHOT_COMMAND } from './snapshot.js';

export type CheckFormat = 'console' | 'json' | 'junit' | 'markdown';

interface CheckFlags extends ContractFlags {
  base?: string;
  service?: string[];
  format: CheckFormat;
  artifacts?: string;
  live: boolean;
}

/** One service's judgement: its diff against the base snapshot, and whether its own is stale. */
export interface ServiceContractCheck {
  readonly service: string;
  /** The snapshot at the base commit, or none: a service new since the base has nothing to break. */
  readonly baseSnapshot: string | undefined;
  /** The committed snapshot differs from what the code generates. */
  readonly stale: boolean;
  readonly diff: ContractDiff | undefined;
  readonly ok: boolean;
}

/**
 * `bulwark contract check`: generates each service's document from the code (or, with --live,
 * reads what the running stack serves) and compares it with its snapshot at the base commit
 * (default: the merge base with main). A breaking change
 * without a version bump fails, and so does a snapshot in the tree that the code no longer
 * matches (the pull request changed the API without refreshing it).
 */
export async function runContractCheck(flags: CheckFlags, setExitCode: SetExitCode): Promise<void> {
  const { root, config } = contractConfigOf(flags);
  const terminal = createTerminal();
  const base = await resolveBaseCommit(root, { ref: flags.base, branch: config.base });
  const source = {
    root,
    config,
    ...(flags.service ? { only: flags.service } : {}),
    onProgress: (message: string) => terminal.progress(message),
  };
  const documents = await (flags.live
    ? fetchLiveDocuments(source)
    : generateDocuments(source)
  ).finally(() => terminal.progressDone());
  const results: ServiceContractCheck[] = [];
  for (const generated of documents) {
    const path = `${config.snapshots}/${generated.service}.json`;
    const committed = await readFile(join(root, path), 'utf8').catch(() => undefined);
    const stale = committed !== generated.text;
    const baseText = await fileAtCommit(root, base.commit, path);
    let diff: ContractDiff | undefined;
    if (baseText !== undefined) {
      diff = await contractedAsync(async () =>
        diffContracts(
          await loadOpenApiDocument({
            label: `${path}@${base.commit.slice(0, 12)}`,
            document: JSON.parse(baseText) as object,
          }),
          await loadOpenApiDocument({
            label: `${generated.service} (${flags.live ? 'served' : 'generated'})`,
            document: generated.document,
          }),
          { levels: config.levels },
        ),
      );
    }
    results.push({
      service: generated.service,
      baseSnapshot: baseText === undefined ? undefined : path,
      stale,
      diff,
      ok: !stale && (diff === undefined || diff.verdict === 'pass'),
    });
  }
  if (flags.artifacts) await writeArtifacts(flags.artifacts, documents, results);
  const ok = results.every((r) => r.ok);
  if (flags.format === 'json') {
    terminal.out(
      JSON.stringify({ schema: 'bulwark.contract-check/v1', base, ok, services: results }, null, 2),
    );
  } else if (flags.format === 'markdown') {
    terminal.out(checkMarkdown(results, base.described));
  } else if (flags.format === 'junit') {
    terminal.out(checkJunit(results));
  } else {
    for (const result of results) {
      terminal.out(terminal.color.bold(`${result.service}`));
      if (result.stale) {
        terminal.out(
          terminal.color.red(
            `  ${config.snapshots}/${result.service}.json is out of date; refresh with \`${SNAPSHOT_COMMAND}\``,
          ),
        );
      }
      if (result.diff) {
        terminal.out(renderDiffConsole(result.diff, { color: terminal.color.isColorSupported }));
      } else {
        terminal.out(`  no snapshot at the base (${base.described}): a new contract`);
      }
    }
    const failed = results.filter((r) => !r.ok).map((r) => r.service);
    terminal.out(
      failed.length === 0
        ? terminal.color.green(
            `contract check: pass (${results.length} services, ${base.described})`,
          )
        : terminal.color.red(`contract check: fail (${failed.join(', ')})`),
    );
  }
  setExitCode(ok ? EXIT.ok : EXIT.checksFailed);
}

function checkMarkdown(results: readonly ServiceContractCheck[], base: string): string {
  const parts = [`## API contracts (against the ${base})`, ''];
  for (const result of results) {
    parts.push(`### ${result.service}`, '');
    if (result.stale) {
      parts.push(`The snapshot is out of date: run \`${SNAPSHOT_COMMAND}\`.`, '');
    }
    parts.push(
      result.diff ? renderDiffMarkdown(result.diff) : 'No snapshot at the base: a new contract.',
      '',
    );
  }
  return parts.join('\n');
}

function checkJunit(results: readonly ServiceContractCheck[]): string {
  return results
    .filter((r) => r.diff)
    .map((r) => renderDiffJunit(r.diff as ContractDiff))
    .join('\n');
}

/** The CI artifact bundle: every generated document, and the check's report in each format. */
async function writeArtifacts(
  dir: string,
  documents: ReadonlyArray<{ service: string; text: string }>,
  results: readonly ServiceContractCheck[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const { service, text } of documents) await writeFile(join(dir, `${service}.json`), text);
  await writeFile(join(dir, 'contract-check.md'), `${checkMarkdown(results, 'base')}\n`);
  await writeFile(
    join(dir, 'contract-check.json'),
    `${JSON.stringify({ schema: 'bulwark.contract-check/v1', services: results }, null, 2)}\n`,
  );
}
