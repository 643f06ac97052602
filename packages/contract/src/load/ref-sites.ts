import { escapeToken } from '../diff/json-pointer.js';

/**
 * Where a document as written has its `$ref`s. Dereferencing replaces each one with its target,
 * so a pointer into the dereferenced document (what the diff reports) can run through a `$ref`
 * and not resolve in the file. Recorded before dereferencing, these let the diff say where a
 * change lies in the file too (ContractChange.component).
 */
export interface RefSite {
  /** The target as a JSON pointer into the same document; undefined for another file's. */
  readonly target: string | undefined;
  /** Keys written beside the `$ref` (3.1 allows `description` and others there). */
  readonly siblings: ReadonlySet<string>;
}

/** Ref sites by the JSON pointer (escaped tokens) of the object holding the `$ref`. */
export type RefSites = ReadonlyMap<string, RefSite>;

const NO_SIBLINGS: ReadonlySet<string> = new Set();

const sitesByDocument = new WeakMap<object, RefSites>();

/** The ref sites of a document loadOpenApiDocument dereferenced; undefined for any other. */
export function refSitesOf(document: unknown): RefSites | undefined {
  return typeof document === 'object' && document !== null
    ? sitesByDocument.get(document)
    : undefined;
}

export function rememberRefSites(document: object, sites: RefSites): void {
  sitesByDocument.set(document, sites);
}

/**
 * Every `$ref` of a parsed, not yet dereferenced document. Walks with an explicit stack (deep
 * documents do not overflow) and skips an object already on the path from the root (an
 * in-memory document may be cyclic); an object shared by two places (a YAML alias) is walked at
 * each, as a pointer may pass through either.
 */
export function collectRefSites(document: unknown): RefSites {
  const sites = new Map<string, RefSite>();
  const onPath = new Set<object>();
  // Two parallel stacks (fewer allocations on large documents): a value and its pointer, or,
  // with no pointer, an object whose subtree is done.
  const values: unknown[] = [document];
  const pointers: (string | undefined)[] = [''];
  while (values.length > 0) {
    const value = values.pop();
    const pointer = pointers.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (pointer === undefined) {
      onPath.delete(value);
      continue;
    }
    if (onPath.has(value)) continue;
    const record = value as Record<string, unknown>;
    if (!Array.isArray(value) && typeof record.$ref === 'string') {
      const siblings = Object.keys(record).filter((key) => key !== '$ref');
      sites.set(pointer, {
        target: localTarget(record.$ref),
        siblings: siblings.length === 0 ? NO_SIBLINGS : new Set(siblings.map(escapeToken)),
      });
    }
    onPath.add(value);
    values.push(value);
    pointers.push(undefined);
    for (const key in record) {
      const child = record[key];
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        pointers.push(`${pointer}/${escapeToken(key)}`);
      }
    }
  }
  return sites;
}

/** `#/components/schemas/Pet` → `/components/schemas/Pet`; another file's target → undefined. */
function localTarget(ref: string): string | undefined {
  if (!ref.startsWith('#')) return undefined;
  try {
    return decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
}
