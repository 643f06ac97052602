import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { ReleaseError } from './errors.js';
import { git, gitOutput } from './git.js';

/** One workspace's package.json, from the working tree or from a tag. */
export interface WorkspaceManifest {
  /** The directory, relative to the repository, with forward slashes (`packages/kit`). */
  readonly dir: string;
  readonly name: string;
  readonly version: string | undefined;
  readonly private: boolean;
  readonly manifest: Readonly<Record<string, unknown>>;
  /** The file's text, to point findings at a line. */
  readonly text: string;
}

/**
 * The root package.json's `workspaces` (the array, or Yarn's `{ packages: [...] }` form npm also
 * reads), normalised as npm does: no leading `./`, no trailing `/`.
 */
export function workspacePatterns(rootManifest: unknown): string[] {
  const field = isRecord(rootManifest) ? rootManifest.workspaces : undefined;
  const list = Array.isArray(field)
    ? field
    : isRecord(field) && Array.isArray(field.packages)
      ? field.packages
      : [];
  return list
    .filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '')
    .map((entry) => entry.trim().replace(/^\.\//, '').replace(/\/+$/, ''));
}

/** Whether a directory is a workspace: it matches a pattern and no `!` pattern. */
export function directoryMatcher(patterns: readonly string[]): (dir: string) => boolean {
  const positive = patterns.filter((pattern) => !pattern.startsWith('!'));
  const negative = patterns.filter((pattern) => pattern.startsWith('!')).map((p) => p.slice(1));
  if (positive.length === 0) return () => false;
  const included = picomatch(positive);
  const excluded = negative.length > 0 ? picomatch(negative) : () => false;
  return (dir) => included(dir) && !excluded(dir);
}

/**
 * The workspaces of the working tree, in directory order, expanded as the pack step expands them
 * (tinyglobby over the root package.json's `workspaces`), private ones included: their ranges on
 * released packages are checked too.
 */
export async function workspacesInTree(root: string): Promise<WorkspaceManifest[]> {
  const rootManifest = parseManifest(await readText(join(root, 'package.json')), 'package.json');
  const patterns = workspacePatterns(rootManifest);
  if (patterns.length === 0) return [];
  const dirs = await glob(patterns, {
    cwd: root,
    onlyDirectories: true,
    expandDirectories: false,
    ignore: ['**/node_modules/**', '**/.git/**'],
  });
  const workspaces: WorkspaceManifest[] = [];
  for (const dir of dirs.map((found) => found.replace(/\/+$/, '')).sort()) {
    const path = posix.join(dir, 'package.json');
    // npm skips a directory a workspace glob matches when it holds no package.json.
    const text = await readText(join(root, path), true);
    if (text === undefined) continue;
    workspaces.push(toWorkspace(dir, text, parseManifest(text, path)));
  }
  return workspaces;
}

/**
 * The workspaces as they were at `ref` (a tag), read from git objects, so no checkout is needed.
 * A package.json that no longer parses at that tag is left out: it could not have been released.
 */
export async function workspacesAtRef(root: string, ref: string): Promise<WorkspaceManifest[]> {
  const rootText = await showFile(root, ref, 'package.json');
  if (rootText === undefined) return [];
  const patterns = workspacePatterns(tryParse(rootText));
  const matches = directoryMatcher(patterns);
  const files = (await gitOutput(root, ['ls-tree', '-r', '-z', '--name-only', ref]))
    .split('\0')
    .filter((file) => file.endsWith('/package.json') && !file.split('/').includes('node_modules'));
  const workspaces: WorkspaceManifest[] = [];
  for (const file of files.sort()) {
    const dir = posix.dirname(file);
    if (!matches(dir)) continue;
    const text = await showFile(root, ref, file);
    const manifest = text === undefined ? undefined : tryParse(text);
    if (text !== undefined && isRecord(manifest)) workspaces.push(toWorkspace(dir, text, manifest));
  }
  return workspaces;
}

/** The workspaces released: matched by the release's `packages` globs and not private. */
export function releasedOnly(
  workspaces: readonly WorkspaceManifest[],
  packages: readonly string[],
): WorkspaceManifest[] {
  const released = directoryMatcher(packages);
  return workspaces.filter((workspace) => released(workspace.dir) && !workspace.private);
}

/** A file's text at a commit or tag, or undefined when it does not exist there. */
export async function showFile(
  root: string,
  ref: string,
  path: string,
): Promise<string | undefined> {
  const result = await git(root, ['show', `${ref}:${path}`]);
  return result.ok ? result.stdout : undefined;
}

function toWorkspace(
  dir: string,
  text: string,
  manifest: Record<string, unknown>,
): WorkspaceManifest {
  return {
    dir,
    name: typeof manifest.name === 'string' ? manifest.name : '',
    version: typeof manifest.version === 'string' ? manifest.version : undefined,
    private: manifest.private === true,
    manifest,
    text,
  };
}

async function readText(path: string, optional = false): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return undefined;
    throw new ReleaseError('BW_RELEASE_CONFIG', `cannot read ${path}: ${code ?? 'unreadable'}`);
  }
}

function parseManifest(text: string | undefined, path: string): Record<string, unknown> {
  const value = text === undefined ? undefined : tryParse(text);
  if (!isRecord(value)) {
    throw new ReleaseError('BW_RELEASE_CONFIG', `${path} is not a JSON object`);
  }
  return value;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
