import semver from 'semver';
import type { ContractChange } from '../model.js';
import type { FoundChange } from './change-scope.js';
import { type JsonObject, objectEntries } from './json-values.js';
import { pathShape } from './path-shape.js';

const VERSION_SEGMENT = /^v(\d+)$/;

export interface VersionBumps {
  readonly infoMajor: boolean;
  /** `/v1/items -> /v2/items` for each old versioned path the new document serves at a higher major. */
  readonly pathMajors: readonly string[];
  /** The bump that allows an error-level change, if any. */
  excuse(change: FoundChange): ContractChange['excusedBy'];
}

/**
 * The version-bump rule. A higher major in `info.version` (read with semver.coerce, so `2`,
 * `v2.0` and `2.1.0` all have major 2) announces breaking changes: it excuses every error-level
 * change. A path with a `/vN` segment that the new document no longer has, but serves as `/vM`
 * with M > N, was replaced by a new major: changes to it are excused. A `/v1` path the new
 * document still has is not excused by a `/v2` appearing beside it: v1 clients still call it.
 */
export function detectVersionBumps(
  oldDocument: JsonObject,
  newDocument: JsonObject,
  oldVersion: string,
  newVersion: string,
): VersionBumps {
  const before = semver.coerce(oldVersion);
  const after = semver.coerce(newVersion);
  const infoMajor = before !== null && after !== null && after.major > before.major;

  const newShapes = new Set<string>();
  const newest = new Map<string, { path: string; major: number }>();
  for (const [path] of objectEntries(newDocument.paths)) {
    newShapes.add(pathShape(path));
    const versioned = splitVersion(path);
    if (versioned === undefined) continue;
    const known = newest.get(versioned.key);
    if (known === undefined || versioned.major > known.major) {
      newest.set(versioned.key, { path, major: versioned.major });
    }
  }
  const successors = new Map<string, string>();
  const pathMajors: string[] = [];
  for (const [path] of objectEntries(oldDocument.paths)) {
    const versioned = splitVersion(path);
    const successor = versioned === undefined ? undefined : newest.get(versioned.key);
    if (versioned === undefined || successor === undefined || successor.major <= versioned.major) {
      continue;
    }
    successors.set(pathShape(path), successor.path);
    pathMajors.push(`${path} -> ${successor.path}`);
  }
  pathMajors.sort();

  return {
    infoMajor,
    pathMajors,
    excuse(change) {
      if (infoMajor) return 'info.version';
      if (change.path === undefined) return undefined;
      const shape = pathShape(change.path);
      return successors.has(shape) && !newShapes.has(shape) ? 'path-major' : undefined;
    },
  };
}

/** The path's shape with its first `/vN` segment made a wildcard, and N. */
function splitVersion(path: string): { key: string; major: number } | undefined {
  const segments = pathShape(path).split('/');
  const index = segments.findIndex((segment) => VERSION_SEGMENT.test(segment));
  if (index < 0) return undefined;
  const major = Number(VERSION_SEGMENT.exec(segments[index] ?? '')?.[1]);
  segments[index] = 'v*';
  return { key: segments.join('/'), major };
}
