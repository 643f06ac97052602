import { isPlainObject, pointerOf } from '../schemas-pointer.js';

/** One difference between two documents, at a JSON pointer. */
export type DocumentChange =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string; readonly oldValue: unknown }
  | {
      readonly op: 'replace';
      readonly path: string;
      readonly oldValue: unknown;
      readonly value: unknown;
    };

/**
 * What changed from `before` to `after`, key by key, in sorted key order: objects are compared
 * member by member at any depth; anything else (a scalar, an array) that differs is replaced
 * whole, as the registry's layers merge it (an array is one value, not a list of edits).
 * Values are shown as they are: documents hold `${secret:name}` references, never secrets.
 */
export function diffDocuments(before: unknown, after: unknown): DocumentChange[] {
  const changes: DocumentChange[] = [];
  walk(before, after, [], changes);
  return changes;
}

function walk(before: unknown, after: unknown, path: string[], out: DocumentChange[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const here = [...path, key];
      const had = Object.hasOwn(before, key);
      const has = Object.hasOwn(after, key);
      if (had && has) walk(before[key], after[key], here, out);
      else if (has) out.push({ op: 'add', path: pointerOf(here), value: after[key] });
      else out.push({ op: 'remove', path: pointerOf(here), oldValue: before[key] });
    }
    return;
  }
  if (!sameJson(before, after)) {
    out.push({ op: 'replace', path: pointerOf(path), oldValue: before, value: after });
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
    );
  }
  return a === b;
}
