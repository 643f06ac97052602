import { isRecord, type WorkspaceManifest } from '../workspaces.js';

/**
 * A reason the release breaks its users. Computed here from package.json files, or passed by the
 * caller (the future `bulwark contract diff` reports API changes the same way).
 */
export interface BreakingChange {
  /** What found it: `packages`, `exports`, `contract diff`, ... */
  readonly source: string;
  /** One line naming what broke. */
  readonly message: string;
}

/**
 * What package.json files alone prove breaking since the last release tag: a released package no
 * longer released (removed, or made private), a subpath gone from a package's `exports` map (an
 * import of it now fails with ERR_PACKAGE_PATH_NOT_EXPORTED), and an `exports` map added where
 * there was none (every deep import not listed stops resolving).
 */
export function breakingChangesSince(
  tag: string,
  previous: readonly WorkspaceManifest[],
  current: readonly WorkspaceManifest[],
): BreakingChange[] {
  const now = new Map(current.map((workspace) => [workspace.name, workspace]));
  const changes: BreakingChange[] = [];
  for (const before of previous) {
    const after = now.get(before.name);
    if (!after) {
      changes.push({
        source: 'packages',
        message: `${before.name} was released in ${tag} and is no longer released`,
      });
      continue;
    }
    const old = exportedSubpaths(before.manifest.exports);
    const kept = exportedSubpaths(after.manifest.exports);
    if (old === undefined) {
      if (kept !== undefined) {
        changes.push({
          source: 'exports',
          message: `${before.name} adds an exports map, so deep imports that worked in ${tag} stop resolving`,
        });
      }
      continue;
    }
    // No exports map now: every file is importable again, which removes nothing.
    if (kept === undefined) continue;
    for (const subpath of old) {
      if (!kept.has(subpath)) {
        changes.push({
          source: 'exports',
          message: `${before.name} no longer exports ${subpath} (exported in ${tag})`,
        });
      }
    }
  }
  return changes;
}

/**
 * The subpaths an `exports` field makes importable, as Node reads it: a string, an array or an
 * object of conditions is the `.` subpath alone; an object whose keys start with `.` lists its
 * subpaths (a `null` target blocks one). Undefined when there is no `exports` field at all.
 */
export function exportedSubpaths(exportsField: unknown): Set<string> | undefined {
  if (exportsField === undefined) return undefined;
  if (exportsField === null) return new Set();
  if (!isRecord(exportsField)) return new Set(['.']);
  const keys = Object.keys(exportsField);
  if (!keys.some((key) => key.startsWith('.'))) return new Set(['.']);
  return new Set(keys.filter((key) => key.startsWith('.') && exportsField[key] !== null));
}
