import { defaultLevel } from '../classes.js';
import { refSitesOf } from '../load/ref-sites.js';
import type { ChangeLevel, ContractChange, ContractDiff, LoadedDocument } from '../model.js';
import { ChangeScope, type FoundChange } from './change-scope.js';
import type { DiffContext } from './diff-context.js';
import { JsonEquality } from './json-equality.js';
import { asObject, type JsonObject } from './json-values.js';
import { checkLevelOverrides } from './levels.js';
import { ObjectIds } from './object-ids.js';
import { compareText, diffPaths } from './paths-and-operations.js';
import { SchemaComparer } from './schemas.js';
import { diffSecuritySchemes } from './security.js';
import { SourceLocations } from './source-location.js';
import { detectVersionBumps } from './version-bump.js';

export interface DiffOptions {
  /** Level per class id, over the catalogue's defaults (`bulwark.contract.yaml` `levels:`). */
  readonly levels?: Readonly<Record<string, ChangeLevel>>;
}

/**
 * Compares two loaded OpenAPI documents: every difference a client could notice becomes a
 * change of one catalogue class, levelled by the overrides, and excused when a version bump
 * allows it. The verdict fails on any error-level change left unexcused.
 */
export function diffContracts(
  older: LoadedDocument,
  newer: LoadedDocument,
  options: DiffOptions = {},
): ContractDiff {
  const overrides = checkLevelOverrides(options.levels ?? {});
  const oldDocument = asObject(older.document) ?? {};
  const newDocument = asObject(newer.document) ?? {};
  const found: FoundChange[] = [];
  const ids = new ObjectIds();
  const equality = new JsonEquality(ids);
  const context: DiffContext = {
    oldDocument,
    newDocument,
    scope: new ChangeScope(found),
    schemas: new SchemaComparer(ids, equality),
    equality,
    sameGlobalSecurity: equality.equal(oldDocument.security, newDocument.security),
  };
  compareText(context.scope, infoOf(oldDocument), infoOf(newDocument), '/info', 'info', [
    'title',
    'summary',
    'description',
  ]);
  diffPaths(context);
  diffSecuritySchemes(context);

  const bumps = detectVersionBumps(
    oldDocument,
    newDocument,
    older.summary.version,
    newer.summary.version,
  );
  const locations = {
    old: new SourceLocations(refSitesOf(older.document) ?? new Map()),
    new: new SourceLocations(refSitesOf(newer.document) ?? new Map()),
  };
  const changes = found.map((change): ContractChange => {
    const level = overrides[change.classId] ?? defaultLevel(change.classId);
    const excusedBy = level === 'error' ? bumps.excuse(change) : undefined;
    const component = locations[change.side].of(change.pointer);
    return {
      classId: change.classId,
      level,
      ...(change.method !== undefined ? { method: change.method } : {}),
      ...(change.path !== undefined ? { path: change.path } : {}),
      pointer: change.pointer,
      ...(component !== undefined ? { component } : {}),
      message: change.message,
      ...(excusedBy !== undefined ? { excusedBy } : {}),
    };
  });
  changes.sort(byLocation);
  const counts: Record<ChangeLevel, number> = { error: 0, warning: 0, info: 0 };
  let breaking = 0;
  for (const change of changes) {
    counts[change.level]++;
    if (change.level === 'error' && change.excusedBy === undefined) breaking++;
  }
  return {
    old: older.summary,
    new: newer.summary,
    changes,
    bumped: { infoMajor: bumps.infoMajor, pathMajors: bumps.pathMajors },
    counts,
    breaking,
    verdict: breaking > 0 ? 'fail' : 'pass',
  };
}

function infoOf(document: JsonObject): JsonObject {
  return asObject(document.info) ?? {};
}

/** path, method, pointer, class id; plain code-unit order so it is the same on every machine. */
function byLocation(a: ContractChange, b: ContractChange): number {
  return (
    compare(a.path ?? '', b.path ?? '') ||
    compare(a.method ?? '', b.method ?? '') ||
    compare(a.pointer, b.pointer) ||
    compare(a.classId, b.classId) ||
    compare(a.message, b.message)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
