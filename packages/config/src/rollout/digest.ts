import { createHash } from 'node:crypto';

/**
 * A document's identity: SHA-256 of its canonical JSON (object keys sorted, no whitespace), hex.
 * Two documents that differ only in key order have one digest, which is what a consumer
 * compares, and what PostgreSQL's jsonb (which reorders keys) cannot change.
 */
export function documentDigest(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

/** JSON with object keys sorted at every depth. Documents are plain JSON: no undefined, no NaN. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
