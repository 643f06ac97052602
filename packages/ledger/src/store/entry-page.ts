/**
 * The page shape the verifier reads: a seq range of ledger rows as raw bytes (the UTF-8 of the
 * names and payload, the stored hashes and tree nodes) in one buffer, with per-row offsets. The
 * verifier hashes straight out of that buffer, so a page costs a few allocations, not a dozen
 * per row.
 */

/** The byte fields of a row, in the order the readers select them (after seq and recorded_at). */
export const FIELD = {
  stream: 0,
  kind: 1,
  actor: 2,
  payload: 3,
  payloadHash: 4,
  prevHash: 5,
  entryHash: 6,
  treeNodes: 7,
} as const;
export const BYTE_FIELDS = 8;

/** Every column a reader selects, in order: seq, recorded_at, then the byte fields. */
export const ENTRY_COLUMNS = [
  'seq',
  'recorded_at',
  'stream',
  'kind',
  'actor',
  'payload',
  'payload_hash',
  'prev_hash',
  'entry_hash',
  'tree_nodes',
] as const;

/**
 * Rows of one page. Row r's field f spans `data[start(r, f), end(r, f))`, stored at
 * `bounds[(r * BYTE_FIELDS + f) * 2]` and the entry after it.
 */
export interface EntryPage {
  readonly count: number;
  readonly seq: Float64Array;
  /** Milliseconds since the epoch as hashed; NaN when the stored time is not whole milliseconds. */
  readonly timeMs: Float64Array;
  readonly data: Buffer;
  readonly bounds: Int32Array;
  /**
   * Per row, the index in ENTRY_COLUMNS of its first NULL column, or -1. The schema forbids
   * NULLs, so one is damage (a superuser dropped the constraint) that the checker reports at that
   * row; its byte field reads as empty. Absent when no row of the page has one.
   */
  readonly nullColumn?: Int8Array;
}

/** Where row `row`'s field `field` starts in a page's `bounds`; its end is at the next index. */
export const boundsAt = (row: number, field: number): number => (row * BYTE_FIELDS + field) * 2;

/** Row `row`'s field `field` as a view into the page's buffer (no copy). */
export function fieldBytes(page: EntryPage, row: number, field: number): Buffer {
  const at = boundsAt(row, field);
  return page.data.subarray(page.bounds[at], page.bounds[at + 1]);
}
