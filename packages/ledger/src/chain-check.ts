/**
 * The per-entry checks that need no Merkle state: continuity of seq, payload hash, prev link and
 * entry hash, plus each entry's RFC 6962 leaf hash: three of the four SHA-256 calls an entry
 * costs. A page needs only the previous entry's hash, so the verifier checks a page here and
 * then folds its leaves into the tree, in seq order.
 */
import { entryHashOfBytes, payloadHashOfBytes } from './entry.js';
import { HASH_BYTES } from './hash.js';
import { leafHashOfBytes } from './merkle.js';
import { boundsAt, ENTRY_COLUMNS, type EntryPage, FIELD, fieldBytes } from './store/entry-page.js';

export interface ChainFailure {
  readonly seq: number;
  readonly reason: string;
  /**
   * Set when the row's prev hash does not link to the entry before it: whether the row itself is
   * intact (its entry hash matches its fields, prev hash included). An intact row still commits
   * to the previous entry's original hash, so the previous entry may be the one rewritten.
   */
  readonly brokenLink?: { readonly rowIntact: boolean };
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
  const { data, bounds, nullColumn } = page;
  // The previous entry's hash as a range of bytes: `prev` at first, then this page's rows.
  let prevData: Uint8Array = prev;
  let prevStart = 0;
  let prevEnd = prev.length;
  for (let r = 0; r < page.count; r++) {
    const seq = firstSeq + r;
    const stored = page.seq[r] as number;
    // A NULL (the schema forbids them) is damage at this row; a NULL seq has no seq to compare.
    const nullAt = nullColumn === undefined ? -1 : (nullColumn[r] as number);
    if (nullAt === 0) return failed(r, seq, `entry ${seq}: a row where it belongs has a NULL seq`);
    if (stored !== seq) {
      return failed(
        r,
        seq,
        stored > seq
          ? `entry ${seq} is missing (the next stored is ${stored})`
          : `entry ${stored} is stored twice`,
      );
    }
    if (nullAt > 0) return failed(r, seq, `entry ${seq}: column ${ENTRY_COLUMNS[nullAt]} is NULL`);
    // [start, end) of each byte field of this row (see EntryPage).
    const payload = boundsAt(r, FIELD.payload);
    const payloadHash = payloadHashOfBytes(
      data,
      bounds[payload] as number,
      bounds[payload + 1] as number,
    );
    const storedPayloadHash = boundsAt(r, FIELD.payloadHash);
    if (
      !equalsAt(
        payloadHash,
        data,
        bounds[storedPayloadHash] as number,
        bounds[storedPayloadHash + 1] as number,
      )
    )
      return failed(r, seq, `entry ${seq}: the payload does not match its payload hash`);
    const entryHashStart = bounds[boundsAt(r, FIELD.entryHash)] as number;
    const link = boundsAt(r, FIELD.prevHash);
    if (data.compare(prevData, prevStart, prevEnd, bounds[link], bounds[link + 1]) !== 0) {
      const rowIntact = entryHashMatches(page, r, seq);
      return {
        passed: r,
        failure: {
          seq,
          reason: `entry ${seq}: prev hash does not link to entry ${seq - 1}${rowIntact ? '' : ', and its entry hash does not match its fields'}`,
          brokenLink: { rowIntact },
        },
      };
    }
    if (!entryHashMatches(page, r, seq))
      return failed(r, seq, `entry ${seq}: the entry hash does not match its fields`);
    leaves.set(leafHashOfBytes(data, entryHashStart), r * HASH_BYTES);
    prevData = data;
    prevStart = entryHashStart;
    prevEnd = bounds[boundsAt(r, FIELD.entryHash) + 1] as number;
  }
  return { passed: page.count, failure: null };
}

/** Does row `row`'s stored entry hash equal the hash of its fields (prev hash included) at `seq`? */
function entryHashMatches(page: EntryPage, row: number, seq: number): boolean {
  const timeMs = page.timeMs[row] as number;
  const at = boundsAt(row, FIELD.entryHash);
  return (
    timeMs >= 0 &&
    equalsAt(
      entryHashOfBytes(seq, timeMs, page.data, page.bounds, boundsAt(row, 0)),
      page.data,
      page.bounds[at] as number,
      page.bounds[at + 1] as number,
    )
  );
}

const failed = (passed: number, seq: number, reason: string): ChainResult => ({
  passed,
  failure: { seq, reason },
});

/** A copy of row `row`'s stored entry hash. */
export const entryHashAt = (page: EntryPage, row: number): Uint8Array =>
  new Uint8Array(fieldBytes(page, row, FIELD.entryHash));
