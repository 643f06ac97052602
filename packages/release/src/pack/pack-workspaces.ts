import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReleaseError } from '../errors.js';
import { canonicalizeModes, isCanonicalMode } from './canonical-modes.js';
import { missingEntryPoints } from './entry-points.js';
import {
  type ReleasedWorkspaceManifest,
  releasedWorkspaceManifests,
} from './released-workspaces.js';

/** One package's tarball, as `npm pack` wrote it. */
export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the .tgz. */
  readonly file: string;
  /** SHA-256 of the file, hex. */
  readonly sha256: string;
  readonly bytes: number;
}

export interface PackWorkspacesOptions {
  /** The repository root: the package.json with `workspaces`. */
  readonly root: string;
  /** Globs over workspace paths relative to root (`packages/*`). */
  readonly patterns: readonly string[];
  /** Directory the tarballs go to; created when missing. */
  readonly destination: string;
}

/** The parts of one `npm pack --json` entry packing reads. */
interface NpmPackEntry {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly mode: number }>;
}

// A pack listing names every file of every package; a large monorepo runs to megabytes.
const MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * Packs every released workspace (public, matched by `patterns`) with one real `npm pack` and
 * returns the tarballs with their digests. The same commit, built the same way, packs to the same
 * bytes (see canonical-modes.ts for the one thing npm leaves to the machine, and what is done
 * about it). Two things stay outside packing's control: what dist/ holds (a stale file left by a
 * removed source is packed too: release from a clean build), and the gzip implementation (the
 * same npm and Node versions give the same bytes).
 *
 * Scripts are not run (`--ignore-scripts`): a prepack or prepare script could change what is
 * packed between two packs of one commit; building is its own, earlier step.
 */
export async function packWorkspaces(options: PackWorkspacesOptions): Promise<PackedTarball[]> {
  const workspaces = await releasedWorkspaceManifests(options.root, options.patterns);
  if (workspaces.length === 0) {
    throw new ReleaseError(
      'BW_RELEASE_PACK',
      `no public workspace matches ${options.patterns.join(', ') || '(no patterns)'}`,
    );
  }
  try {
    await mkdir(options.destination, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'failed';
    throw new ReleaseError('BW_RELEASE_PACK', `cannot create ${options.destination}: ${code}`);
  }

  let entries = await npmPack(options.root, workspaces, options.destination);
  const loose = entries.map((entry) => ({
    dir: workspaceOf(workspaces, entry.name).dir,
    paths: entry.files.filter((file) => !isCanonicalMode(file.mode)).map((file) => file.path),
  }));
  if (loose.some(({ paths }) => paths.length > 0)) {
    // Rare (umask 077, a stray exec bit), so the common case stays one npm run.
    for (const { dir, paths } of loose) await canonicalizeModes(dir, paths);
    entries = await npmPack(options.root, workspaces, options.destination);
  }

  const tarballs: PackedTarball[] = [];
  for (const workspace of workspaces) {
    const entry = entries.find((candidate) => candidate.name === workspace.name);
    if (entry === undefined) {
      throw new ReleaseError('BW_RELEASE_PACK', `npm pack did not pack ${workspace.name}`);
    }
    const missing = missingEntryPoints(
      workspace.manifest,
      new Set(entry.files.map((file) => file.path)),
    );
    if (missing.length > 0) {
      throw new ReleaseError(
        'BW_RELEASE_PACK',
        `${workspace.name} is missing ${missing.join(', ')} from its tarball: build it first, or fix its package.json files`,
      );
    }
    const file = join(options.destination, entry.filename);
    const bytes = await readTarball(file);
    tarballs.push({
      name: entry.name,
      version: entry.version,
      file,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
    });
  }
  return tarballs;
}

function workspaceOf(
  workspaces: readonly ReleasedWorkspaceManifest[],
  name: string,
): ReleasedWorkspaceManifest {
  const found = workspaces.find((workspace) => workspace.name === name);
  if (found === undefined) {
    throw new ReleaseError('BW_RELEASE_PACK', `npm pack packed ${name}, which was not asked for`);
  }
  return found;
}

async function readTarball(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ReleaseError('BW_RELEASE_PACK', `cannot read the tarball ${file}: ${code}`);
  }
}

/** One `npm pack --json` for all the workspaces: npm loads the tree once, not once per package. */
async function npmPack(
  root: string,
  workspaces: readonly ReleasedWorkspaceManifest[],
  destination: string,
): Promise<NpmPackEntry[]> {
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', destination];
  for (const workspace of workspaces) args.push('--workspace', workspace.name);
  const { stdout, stderr, failure } = await run('npm', args, root);
  const output = parseJson(stdout);
  if (failure === undefined && Array.isArray(output) && output.every(isPackEntry)) return output;
  throw new ReleaseError(
    'BW_RELEASE_PACK',
    `npm pack failed: ${npmError(output, stderr, failure)}`,
  );
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string; failure?: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { cwd, maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) resolve({ stdout, stderr });
        else {
          const code = (error as NodeJS.ErrnoException).code;
          const failure = typeof code === 'string' ? code : `exit code ${code ?? error.signal}`;
          resolve({ stdout, stderr, failure });
        }
      },
    );
  });
}

function isPackEntry(value: unknown): value is NpmPackEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.name === 'string' &&
    typeof entry.version === 'string' &&
    typeof entry.filename === 'string' &&
    Array.isArray(entry.files) &&
    entry.files.every(
      (file: unknown) =>
        typeof file === 'object' &&
        file !== null &&
        typeof (file as { path?: unknown }).path === 'string' &&
        typeof (file as { mode?: unknown }).mode === 'number',
    )
  );
}

/** npm's own words, one line: its JSON error (`{error: {code, summary}}`), else its stderr. */
function npmError(output: unknown, stderr: string, failure: string | undefined): string {
  const error =
    typeof output === 'object' && output !== null && !Array.isArray(output)
      ? (output as { error?: { code?: unknown; summary?: unknown } }).error
      : undefined;
  const fromStderr = parseJson(stderr.slice(stderr.indexOf('{')));
  const jsonError =
    error ??
    (typeof fromStderr === 'object' && fromStderr !== null
      ? (fromStderr as { error?: { code?: unknown; summary?: unknown } }).error
      : undefined);
  const summary =
    typeof jsonError?.summary === 'string' && jsonError.summary.trim() !== ''
      ? jsonError.summary
      : errorLine(stderr);
  const code = typeof jsonError?.code === 'string' ? `${jsonError.code}: ` : '';
  const line = `${code}${oneLine(summary)}`;
  return line === '' ? (failure ?? 'unreadable output') : line;
}

/** The first `npm error` line that is not the code or the log pointer, else the first line. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  const message = lines.find(
    (line) =>
      /^npm (?:error|ERR!) /.test(line) &&
      !/^npm (?:error|ERR!) (?:code |errno |A complete log|$)/.test(line),
  );
  return (message ?? lines.find((line) => line.length > 0) ?? '').replace(
    /^npm (?:error|ERR!) /,
    '',
  );
}

/** npm's summaries run over lines (`No workspaces found:` then the names): one line of them. */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ')
    .slice(0, 300);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
