/**
 * The per-entry checks that need no Merkle state: continuity of seq, payload hash, prev link and
 * entry hash, plus each entry's RFC 6962 leaf hash: three of the four SHA-256 calls an entry
 * costs. A page needs only the previous entry's hash, so the verifier checks a page here and
 * then folds its leaves into the tree, in seq order.
 */
import { entryHashOfBytes, payloadHashOfBytes } from './entry.js';
import { HASH_BYTES } from './hash.js';
import { leafHashOfBytes } from './merkle.js';
import { BYTE_FIELDS, type EntryPage, FIELD } from './store/entry-page.js';

export interface ChainFailure {
  readonly seq: number;
  readonly reason: string;
}

export interface ChainResult {
  /** Rows that passed, from the first: their leaf hashes are in `leaves`. */
  readonly passed: number;
  /** Why row `passed` failed; null when every row passed. */
  readonly failure: ChainFailure | null;
}

/** Is `data[start, end)` exactly `hash`? */
const equalsAt = (hash: Uint8Array, data: Buffer, start: number, end: number): boolean =>
  data.compare(hash, 0, hash.length, start, end) === 0;

/**
 * Checks the page's rows in order, the first expected to be `firstSeq` and to link to `prev`;
 * writes each passing row's leaf hash into `leaves` (32 bytes per row). Stops at the first
 * failure, as the verifier reports the first bad seq.
 */
export function checkChain(
  page: EntryPage,
  firstSeq: number,
  prev: Uint8Array,
  leaves: Uint8Array,
): ChainResult {
  const { data, bounds } = page;
  // The previous entry's hash as a range of bytes: `prev` at first, then this page's rows.
  let prevData: Uint8Array = prev;
  let prevStart = 0;
  let prevEnd = prev.length;
  for (let r = 0; r < page.count; r++) {
    const seq = firstSeq + r;
    const stored = page.seq[r] as number;
    if (stored !== seq) {
      return failed(
        r,
        seq,
        stored > seq
          ? `entry ${seq} is missing (the next stored is ${stored})`
          : `entry ${stored} is stored twice`,
      );
    }
    // [start, end) of each byte field of this row (see EntryPage).
    const at = r * BYTE_FIELDS * 2;
    const payloadHash = payloadHashOfBytes(
      data,
      bounds[at + FIELD.payload * 2] as number,
      bounds[at + FIELD.payload * 2 + 1] as number,
    );
    const payloadHashStart = bounds[at + FIELD.payloadHash * 2] as number;
    const payloadHashEnd = bounds[at + FIELD.payloadHash * 2 + 1] as number;
    if (!equalsAt(payloadHash, data, payloadHashStart, payloadHashEnd))
      return failed(r, seq, `entry ${seq}: the payload does not match its payload hash`);
    const prevHashStart = bounds[at + FIELD.prevHash * 2] as number;
    const prevHashEnd = bounds[at + FIELD.prevHash * 2 + 1] as number;
    if (data.compare(prevData, prevStart, prevEnd, prevHashStart, prevHashEnd) !== 0)
      return failed(r, seq, `entry ${seq}: prev hash does not link to entry ${seq - 1}`);
    const timeMs = page.timeMs[r] as number;
    const entryHashStart = bounds[at + FIELD.entryHash * 2] as number;
    const entryHashEnd = bounds[at + FIELD.entryHash * 2 + 1] as number;
    if (
      !(timeMs >= 0) ||
      !equalsAt(entryHashOfBytes(seq, timeMs, data, bounds, at), data, entryHashStart, entryHashEnd)
    )
      return failed(r, seq, `entry ${seq}: the entry hash does not match its fields`);
    leaves.set(leafHashOfBytes(data, entryHashStart), r * HASH_BYTES);
    prevData = data;
    prevStart = entryHashStart;
    prevEnd = entryHashEnd;
  }
  return { passed: page.count, failure: null };
}

const failed = (passed: number, seq: number, reason: string): ChainResult => ({
  passed,
  failure: { seq, reason },
});

/** A copy of row `row`'s stored entry hash. */
export function entryHashAt(page: EntryPage, row: number): Uint8Array {
  const at = row * BYTE_FIELDS * 2 + FIELD.entryHash * 2;
  return Uint8Array.prototype.slice.call(page.data, page.bounds[at], page.bounds[at + 1]);
}
