import { join } from 'node:path';
import { ReleaseError } from '../errors.js';
import { releasedOnly, workspacesInTree } from '../workspaces.js';

/** A workspace the release publishes: public (not `"private": true`) and matched by `packages`. */
export interface ReleasedWorkspace {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the workspace's directory. */
  readonly dir: string;
}

/** The parts of a workspace's package.json packing reads. */
export interface PackedManifest {
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
  readonly manifest: PackedManifest;
}

/**
 * The workspaces a release publishes: the root package.json's `workspaces` expanded as npm
 * expands them (workspaces.ts, shared with the version check), kept when their path matches one
 * of `patterns` and they are not private. Sorted by path, so every caller lists them in one order.
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
  return releasedOnly(await workspacesInTree(root), patterns).map((workspace) => {
    if (workspace.name === '' || workspace.version === undefined) {
      throw new ReleaseError(
        'BW_RELEASE_PACK',
        `${workspace.dir}/package.json has no name or version`,
      );
    }
    return {
      name: workspace.name,
      version: workspace.version,
      dir: join(root, workspace.dir),
      manifest: workspace.manifest,
    };
  });
}
