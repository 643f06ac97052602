import type { ChangeLevel, ContractChange, ContractDiff } from '../model.js';

/**
 * The words every report format shares, so the console, JUnit and Markdown say the same thing
 * about a change in the same way: where it happened, why an error was allowed, and the totals.
 */

/** Errors first: what fails the diff comes before what only informs. */
export const LEVEL_ORDER: readonly ChangeLevel[] = ['error', 'warning', 'info'];

/** `GET /v1/items/{id}`, a bare path for a change to a whole path, `document` for the rest. */
export function operationOf(change: ContractChange): string {
  if (change.path === undefined) return 'document';
  if (change.method === undefined) return change.path;
  return `${change.method.toUpperCase()} ${change.path}`;
}

/** The changes of each level, in the order the diff listed them (its order is stable). */
export function changesByLevel(
  diff: ContractDiff,
): ReadonlyArray<{ level: ChangeLevel; changes: readonly ContractChange[] }> {
  return LEVEL_ORDER.map((level) => ({
    level,
    changes: diff.changes.filter((change) => change.level === level),
  })).filter((group) => group.changes.length > 0);
}

/**
 * Why an error-level change does not fail the diff, or undefined when it does:
 * `allowed: info.version major bumped, 1.4.0 → 2.0.0` or
 * `allowed: path major bumped, /v1/items -> /v2/items`.
 */
export function allowedNote(change: ContractChange, diff: ContractDiff): string | undefined {
  switch (change.excusedBy) {
    case 'info.version':
      return `allowed: info.version major bumped, ${diff.old.version} → ${diff.new.version}`;
    case 'path-major': {
      const bump = pathBumpOf(change, diff);
      return bump ? `allowed: path major bumped, ${bump}` : 'allowed: path major bumped';
    }
    default:
      return undefined;
  }
}

/**
 * The `/v1/items -> /v2/items` entry for this change's path: the one whose old side is the path
 * itself, else the longest whose old side is a prefix of it.
 */
function pathBumpOf(change: ContractChange, diff: ContractDiff): string | undefined {
  const path = change.path;
  if (path === undefined) return undefined;
  let best: { bump: string; length: number } | undefined;
  for (const bump of diff.bumped.pathMajors) {
    const from = bump.split(' -> ')[0] ?? '';
    if (from === path) return bump;
    if (path.startsWith(`${from}/`) && from.length > (best?.length ?? -1))
      best = { bump, length: from.length };
  }
  return best?.bump;
}

/** Error-level changes that a version bump allowed: listed, but not counted as breaking. */
export function allowedCount(diff: ContractDiff): number {
  return Math.max(0, diff.counts.error - diff.breaking);
}

/**
 * `2 breaking, 1 allowed by a version bump, 3 warnings, 4 info` (`no changes` for an empty
 * diff). The numbers are the diff's own, so the words always agree with its verdict.
 */
export function countsSentence(diff: ContractDiff): string {
  if (diff.changes.length === 0 && LEVEL_ORDER.every((level) => diff.counts[level] === 0))
    return 'no changes';
  const allowed = allowedCount(diff);
  const warnings = diff.counts.warning;
  return [
    `${diff.breaking} breaking`,
    ...(allowed > 0 ? [`${allowed} allowed by a version bump`] : []),
    `${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`,
    `${diff.counts.info} info`,
  ].join(', ');
}

/** A whole API moved to /v2 would otherwise make this one line of hundreds of paths. */
const MAX_PATH_BUMPS_NAMED = 10;

/**
 * `info.version major 1.4.0 → 2.0.0; /v1/items -> /v2/items`, or undefined with no bump; past
 * ten path bumps, the rest are counted (`… and 40 more paths`), the JSON report has them all.
 */
export function bumpsSentence(diff: ContractDiff): string | undefined {
  const paths = diff.bumped.pathMajors;
  const hidden = paths.length - MAX_PATH_BUMPS_NAMED;
  const parts = [
    ...(diff.bumped.infoMajor
      ? [`info.version major ${diff.old.version} → ${diff.new.version}`]
      : []),
    ...paths.slice(0, MAX_PATH_BUMPS_NAMED),
    ...(hidden > 0 ? [`… and ${hidden} more ${hidden === 1 ? 'path' : 'paths'}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** `Items API 1.4.0 → 1.5.0`, naming the new title too when it changed. */
export function versionsSentence(diff: ContractDiff): string {
  const after =
    diff.new.title === diff.old.title ? diff.new.version : `${diff.new.title} ${diff.new.version}`;
  return `${diff.old.title} ${diff.old.version} → ${after}`;
}
