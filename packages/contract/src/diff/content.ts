import type { ChangeClassId } from '../classes.js';
import type { ChangeScope } from './change-scope.js';
import { pointerTo } from './json-pointer.js';
import { type JsonObject, objectEntries } from './json-values.js';
import type { Direction, SchemaComparer } from './schemas.js';

export interface ContentSite {
  readonly scope: ChangeScope;
  readonly schemas: SchemaComparer;
  readonly direction: Direction;
  /** Pointers of the objects holding `content` (a request body, a response). */
  readonly oldPointer: string;
  readonly newPointer: string;
  /** e.g. `request body`, `response 200`. */
  readonly label: string;
  readonly removed: ChangeClassId;
  readonly added: ChangeClassId;
}

/**
 * Compares two `content` maps: media types are matched by essence (`Application/JSON;
 * charset=utf-8` is `application/json`), and a type the new map covers with a range
 * (`application/*`, `*\/*`) still counts as served; each matched pair's schemas are compared.
 */
export function diffContent(oldContent: unknown, newContent: unknown, site: ContentSite): void {
  const before = objectEntries(oldContent);
  const after = objectEntries(newContent);
  const newByEssence = new Map(after.map(([type, media]) => [essence(type), { type, media }]));
  const matched = new Set<string>();
  for (const [type, media] of before) {
    const target = newByEssence.get(essence(type)) ?? coveringRange(essence(type), newByEssence);
    const oldPointer = pointerTo(site.oldPointer, 'content', type);
    if (target === undefined) {
      site.scope.emit(
        site.removed,
        oldPointer,
        `${site.label}: media type \`${type}\` removed`,
        'old',
      );
      continue;
    }
    matched.add(target.type);
    compareMedia(
      media,
      target.media,
      oldPointer,
      pointerTo(site.newPointer, 'content', target.type),
      `${site.label} (${type})`,
      site,
    );
  }
  for (const [type] of after) {
    if (matched.has(type)) continue;
    site.scope.emit(
      site.added,
      pointerTo(site.newPointer, 'content', type),
      `${site.label}: media type \`${type}\` added`,
    );
  }
}

function compareMedia(
  before: JsonObject,
  after: JsonObject,
  oldPointer: string,
  newPointer: string,
  label: string,
  site: ContentSite,
) {
  if (before.schema === undefined && after.schema === undefined) return;
  site.schemas.compare(before.schema, after.schema, site.direction, {
    scope: site.scope,
    oldPointer: pointerTo(oldPointer, 'schema'),
    newPointer: pointerTo(newPointer, 'schema'),
    label,
  });
}

function essence(type: string): string {
  return (type.split(';')[0] ?? '').trim().toLowerCase();
}

function coveringRange<T>(type: string, byEssence: ReadonlyMap<string, T>): T | undefined {
  const [major] = type.split('/');
  return byEssence.get(`${major}/*`) ?? byEssence.get('*/*');
}
