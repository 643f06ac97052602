/**
 * JSON pointers (RFC 6901) are how every part of the registry names a key: errors, sources,
 * restart and secret keys. Operators type dotted keys (`janitor.enabled`); both spellings land
 * here. Pointers into a schema use `*` for "any item of an array, any key of a record".
 */

/** Any array item or record key, in a pointer computed from a schema. */
export const ANY_SEGMENT = '*';

export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${escapeSegment(String(segment))}`).join('');
}

/** `janitor.enabled` or `/janitor/enabled` → `/janitor/enabled`; `''` and `/` are the root. */
export function keyToPointer(key: string): string {
  if (key === '' || key === '/') return '';
  if (key.startsWith('/')) return key;
  return pointerOf(key.split('.'));
}

/** `/janitor/enabled` → `janitor.enabled`, the spelling an operator types. */
export function pointerToKey(pointer: string): string {
  return pointerSegments(pointer).join('.');
}

/** The segments of a pointer, unescaped; array indexes stay text (`/items/0` → items, 0). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The value at `pointer`, and whether the document has anything there. */
export function valueAt(
  document: unknown,
  pointer: string,
): { readonly found: boolean; readonly value?: unknown } {
  let here: unknown = document;
  for (const segment of pointerSegments(pointer)) {
    if (typeof here !== 'object' || here === null || !Object.hasOwn(here, segment)) {
      return { found: false };
    }
    here = (here as Record<string, unknown>)[segment];
  }
  return { found: true, value: here };
}

/**
 * The concrete pointers a schema pointer with `*` segments stands for in one document: each `*`
 * becomes every index or key present there. A pointer without `*` is returned as is.
 */
export function expandPointer(document: unknown, pattern: string): string[] {
  const segments = pointerSegments(pattern);
  const out: string[] = [];
  const walk = (here: unknown, index: number, path: string[]) => {
    if (index === segments.length) {
      out.push(pointerOf(path));
      return;
    }
    const segment = segments[index]!;
    if (segment !== ANY_SEGMENT) {
      const found =
        typeof here === 'object' && here !== null && Object.hasOwn(here, segment)
          ? (here as Record<string, unknown>)[segment]
          : undefined;
      walk(found, index + 1, [...path, segment]);
      return;
    }
    if (typeof here !== 'object' || here === null) return;
    for (const key of Object.keys(here)) {
      walk((here as Record<string, unknown>)[key], index + 1, [...path, key]);
    }
  };
  walk(document, 0, []);
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets an own property: a plain assignment of a parsed `__proto__` key would replace the
 * object's prototype instead (documents come from files and the network).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A copy of `document` with `value` at `pointer`, creating the objects on the way. */
export function withValueAt(
  document: Record<string, unknown>,
  pointer: string,
  value: unknown,
): Record<string, unknown> {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) {
    throw new TypeError('a value cannot replace the whole document');
  }
  const root = structuredClone(document);
  let here = root;
  for (const segment of segments.slice(0, -1)) {
    const next = here[segment];
    if (!isPlainObject(next) || !Object.hasOwn(here, segment)) setOwn(here, segment, {});
    here = here[segment] as Record<string, unknown>;
  }
  setOwn(here, segments.at(-1)!, value);
  return root;
}

function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
