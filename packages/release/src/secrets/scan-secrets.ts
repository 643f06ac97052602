import { isAbsolute, relative } from 'node:path';
import picomatch from 'picomatch';
import { type ReleaseCheckResult, statusOf } from '../model.js';
import { loadSecretsBaseline } from './baseline-file.js';
import { judgeBaseline } from './baseline-judgement.js';
import { secretFingerprint } from './fingerprint.js';
import { introducingCommits } from './git-objects.js';
import { scanHistory } from './history-scan.js';
import { openRepository } from './repository.js';
import { DEFAULT_MAX_SCAN_BYTES } from './scan-limits.js';
import { groupSightings } from './secret-findings.js';
import { scanTree } from './tree-scan.js';

export interface ScanSecretsOptions {
  /** The repository (its work tree's top is what is scanned). */
  readonly root: string;
  /** The secrets baseline (YAML); a missing file is an empty baseline. */
  readonly baselineFile: string;
  /** Also scan every blob reachable from any ref. */
  readonly history: boolean;
  /** Globs over repository paths never scanned (generated files, lockfiles, fixtures). */
  readonly exclude: readonly string[];
  readonly now: Date;
  /** A baseline entry expiring within this many days warns (14 by default). */
  readonly warningDays?: number;
  /** Files and blobs larger than this are skipped, and the summary says so (1 MiB by default). */
  readonly maxFileBytes?: number;
}

function size(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} bytes`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * The release check `secrets`: the recommended secretlint preset and the kit's own rule over the
 * work tree and, with `history`, every blob in the repository's history. Each secret is one
 * finding named by its fingerprint, reported at every place it is and never with its value; the
 * baseline waives the known ones.
 */
export async function scanSecrets(options: ScanSecretsOptions): Promise<ReleaseCheckResult> {
  const repository = await openRepository(options.root);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_SCAN_BYTES;
  const excluded =
    options.exclude.length === 0 ? () => false : picomatch([...options.exclude], { dot: true });
  const shownBaseline = relative(repository.top, options.baselineFile);
  // Read the baseline first: a malformed one stops the check before any scanning.
  const baseline = loadSecretsBaseline(
    options.baselineFile,
    shownBaseline.startsWith('..') || isAbsolute(shownBaseline)
      ? options.baselineFile
      : shownBaseline,
  );

  const tree = await scanTree(repository, { excluded, maxBytes });
  const history = options.history
    ? await scanHistory(repository, { excluded, maxBytes, skip: tree.blobIds })
    : undefined;

  const inTree = new Set(tree.sightings.map((s) => secretFingerprint(s.rule, s.value)));
  const historyOnly = (history?.sightings ?? []).filter(
    (s) => !inTree.has(secretFingerprint(s.rule, s.value)),
  );
  const blobs = new Set(historyOnly.flatMap((s) => (s.blob === undefined ? [] : [s.blob])));
  const introduced = await introducingCommits(repository.top, blobs);
  const groups = groupSightings(tree.sightings, historyOnly, (blob) => introduced.get(blob));

  const judged = judgeBaseline(groups, baseline, {
    now: options.now,
    warningDays: options.warningDays,
    // Without the history scan, an entry for a secret only in the history would look unused.
    reportStale: options.history,
  });
  const findings = [...judged.secrets, ...judged.entries];

  const scanned = history
    ? `scanned ${count(tree.files, 'file')} and ${count(history.blobs, 'history blob')}`
    : `scanned ${count(tree.files, 'file')} (history not scanned)`;
  const waived = judged.secrets.filter((finding) => finding.waived).length;
  const notes: string[] = [];
  const tooLarge = tree.tooLarge.length + (history?.tooLarge ?? 0);
  if (tooLarge > 0) {
    const files = count(tree.tooLarge.length, 'file');
    const blobsSkipped = history ? ` and ${count(history.tooLarge, 'history blob')}` : '';
    notes.push(`skipped ${files}${blobsSkipped} over ${size(maxBytes)}`);
  }
  const unusable = judged.entries.filter((finding) => !finding.warning).length;
  const stale = judged.entries.length - unusable;
  if (unusable > 0)
    notes.push(count(unusable, 'unusable baseline entry', 'unusable baseline entries'));
  if (stale > 0) notes.push(count(stale, 'stale baseline entry', 'stale baseline entries'));
  const found = `${count(judged.secrets.length, 'secret')} (${waived.toLocaleString('en-US')} waived)`;

  return {
    check: 'secrets',
    status: statusOf(findings),
    summary: [`${scanned}: ${found}`, ...notes].join('; '),
    findings,
  };
}
