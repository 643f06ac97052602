import type { ChangeLevel, ContractChange, ContractDiff } from '../src/model.js';

/**
 * Test helpers for the report tests: a report renders a ContractDiff, so these build one by hand
 * instead of diffing two documents, and each test states only what its assertions read.
 */

/** What a test may set on the two documents and the bumps; everything else has a default. */
export interface DiffOptions {
  /** Both documents' title; default `Items API`. */
  readonly title?: string;
  /** Default `old.json`. */
  readonly oldSource?: string;
  /** Default `new.json`. */
  readonly newSource?: string;
  /** Default `1.4.0`. */
  readonly oldVersion?: string;
  /** Default `1.5.0`: a minor bump, which excuses nothing. */
  readonly newVersion?: string;
  /** Default `3.1.0`. */
  readonly oldOpenapi?: string;
  /** Default `3.1.0`. */
  readonly newOpenapi?: string;
  /** Default: no bump. */
  readonly bumped?: ContractDiff['bumped'];
}

/**
 * A diff holding `changes`, with counts, breaking and verdict derived from them the way the
 * differ derives them: an error fails unless a version bump excused it.
 */
export function diffOf(
  changes: readonly ContractChange[],
  options: DiffOptions = {},
): ContractDiff {
  const title = options.title ?? 'Items API';
  const count = (level: ChangeLevel) => changes.filter((c) => c.level === level).length;
  const breaking = changes.filter((c) => c.level === 'error' && !c.excusedBy).length;
  return {
    old: {
      source: options.oldSource ?? 'old.json',
      openapi: options.oldOpenapi ?? '3.1.0',
      title,
      version: options.oldVersion ?? '1.4.0',
    },
    new: {
      source: options.newSource ?? 'new.json',
      openapi: options.newOpenapi ?? '3.1.0',
      title,
      version: options.newVersion ?? '1.5.0',
    },
    changes,
    bumped: options.bumped ?? { infoMajor: false, pathMajors: [] },
    counts: { error: count('error'), warning: count('warning'), info: count('info') },
    breaking,
    verdict: breaking > 0 ? 'fail' : 'pass',
  };
}

/** The fields of a change that most tests leave alone. */
export type ChangeExtras = Partial<Pick<ContractChange, 'pointer' | 'component' | 'excusedBy'>>;

/**
 * One change. `method` and `path` are left out when undefined, as for a change to the document
 * itself. The default pointer is a placeholder, not a real JSON pointer: short and named after
 * the class, so a report line that prints it is easy to assert on.
 */
export function change(
  level: ChangeLevel,
  classId: string,
  method: string | undefined,
  path: string | undefined,
  message: string,
  extras: ChangeExtras = {},
): ContractChange {
  return {
    classId,
    level,
    ...(method ? { method } : {}),
    ...(path ? { path } : {}),
    pointer: extras.pointer ?? `/x/${classId}`,
    ...(extras.component ? { component: extras.component } : {}),
    message,
    ...(extras.excusedBy ? { excusedBy: extras.excusedBy } : {}),
  };
}
