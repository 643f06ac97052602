import { readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { ReleaseError } from '../errors.js';

/** A workspace the release publishes: public (not `"private": true`) and matched by `packages`. */
export interface ReleasedWorkspace {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the workspace's directory. */
  readonly dir: string;
}

/** The parts of a workspace's package.json packing reads. */
export interface WorkspaceManifest {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly private?: unknown;
  readonly main?: unknown;
  readonly types?: unknown;
  readonly bin?: unknown;
  readonly exports?: unknown;
  readonly imports?: unknown;
}

/** A released workspace with its package.json, for the pack step's entry-point check. */
export interface ReleasedWorkspaceManifest extends ReleasedWorkspace {
  readonly manifest: WorkspaceManifest;
}

/**
 * The workspaces a release publishes: the root package.json's `workspaces` globs expanded to
 * directories (as npm expands them), kept when their path relative to `root` (`packages/kit`)
 * matches one of `patterns` and their package.json is not private. Sorted by path, so every
 * caller lists them in one order.
 */
export async function releasedWorkspaces(
  root: string,
  patterns: readonly string[],
): Promise<ReleasedWorkspace[]> {
  const found = await releasedWorkspaceManifests(root, patterns);
  return found.map(({ name, version, dir }) => ({ name, version, dir }));
}

export async function releasedWorkspaceManifests(
  root: string,
  patterns: readonly string[],
): Promise<ReleasedWorkspaceManifest[]> {
  const rootManifest = await readManifest(join(root, 'package.json'));
  if (rootManifest === undefined) {
    throw new ReleaseError('BW_RELEASE_PACK', `${join(root, 'package.json')} does not exist`);
  }
  const workspaceGlobs = workspacesOf(rootManifest);
  if (workspaceGlobs.length === 0) return [];
  const dirs = await glob(workspaceGlobs, {
    cwd: root,
    onlyDirectories: true,
    expandDirectories: false,
    ignore: ['**/node_modules/**', '**/.git/**'],
  });
  const isReleased = picomatch([...patterns]);
  const released: ReleasedWorkspaceManifest[] = [];
  for (const found of dirs) {
    const dir = resolve(root, found);
    const path = relative(root, dir).split(sep).join('/');
    if (!isReleased(path)) continue;
    const manifest = await readManifest(join(dir, 'package.json'));
    // npm skips a directory a workspace glob matches when it holds no package.json.
    if (manifest === undefined || manifest.private === true) continue;
    if (typeof manifest.name !== 'string' || typeof manifest.version !== 'string') {
      throw new ReleaseError('BW_RELEASE_PACK', `${path}/package.json has no name or version`);
    }
    released.push({ name: manifest.name, version: manifest.version, dir, manifest });
  }
  return released.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

/** `workspaces: [...]`, or the older `workspaces: { packages: [...] }` form npm also reads. */
function workspacesOf(manifest: Record<string, unknown>): string[] {
  const field = manifest.workspaces;
  const list =
    typeof field === 'object' && field !== null && !Array.isArray(field)
      ? (field as { packages?: unknown }).packages
      : field;
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

async function readManifest(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ReleaseError('BW_RELEASE_PACK', `cannot read ${file}: ${code}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // reported below, as for any manifest that is not an object
  }
  throw new ReleaseError('BW_RELEASE_PACK', `${file} is not a JSON object`);
}
