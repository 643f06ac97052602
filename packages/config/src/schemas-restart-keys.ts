import { isDeepStrictEqual } from 'node:util';
import { mergeDocuments } from './layers-merge.js';
import type { ConfigSchemaEntry } from './schemas.js';
import { expandPointer, isPlainObject, valueAt } from './schemas-pointer.js';

/**
 * The `x-restart` keys whose value differs between two documents, as JSON pointers in schema
 * order. Both are completed with the schema's defaults first, so a key left out and the same
 * key set to its default compare equal. Empty: the change can be
 * applied live. Otherwise the consumer acknowledges `restarting` and the kit drains and
 * restarts the service through its shutdown sequence.
 */
export function restartKeysChanged(
  entry: Pick<ConfigSchemaEntry, 'restartKeys' | 'defaults'>,
  before: unknown,
  after: unknown,
): string[] {
  const complete = (document: unknown) =>
    isPlainObject(document) ? mergeDocuments(entry.defaults, document) : document;
  const old = complete(before);
  const next = complete(after);
  const changed: string[] = [];
  for (const pattern of entry.restartKeys) {
    const pointers = new Set([...expandPointer(old, pattern), ...expandPointer(next, pattern)]);
    for (const pointer of pointers) {
      const was = valueAt(old, pointer);
      const now = valueAt(next, pointer);
      if (was.found !== now.found || !isDeepStrictEqual(was.value, now.value)) {
        changed.push(pointer);
      }
    }
  }
  return changed;
}
