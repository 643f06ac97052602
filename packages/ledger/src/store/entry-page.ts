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
}
