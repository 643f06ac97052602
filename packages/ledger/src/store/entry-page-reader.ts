/**
 * Entry page readers: binary COPY where the driver offers it (PostgreSQL through `pg`), and the
 * ordinary query everywhere else (PGlite). Both fill the same EntryPage.
 */
import { TreeCorruptError } from '../errors.js';
import { parseEntryCopy } from './copy-binary.js';
import { type SqlQueryable, toBytes, toNumber } from './driver.js';
import { BYTE_FIELDS, ENTRY_COLUMNS, type EntryPage } from './entry-page.js';

export interface EntryPageReader {
  /** Entries with first ≤ seq ≤ last, in seq order. */
  read(first: number, last: number): Promise<EntryPage>;
}

const COLUMNS = ENTRY_COLUMNS.join(', ');
const EMPTY = new Uint8Array(0);

function checkRange(first: number, last: number): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first - 1)
    throw new RangeError(`not a seq range: ${first}..${last}`);
}

/** The ledger's timestamps are written from whole milliseconds, which is what the entry hash covers. */
const WHOLE_MS = "recorded_at = date_trunc('milliseconds', recorded_at) AS whole_ms";

/** Binary COPY through a driver that can stream it; the query reader otherwise. */
export function entryPageReader(q: SqlQueryable): EntryPageReader {
  const copyOut = q.copyOut?.bind(q);
  if (!copyOut) return queryPageReader(q);
  return {
    async read(first, last) {
      checkRange(first, last);
      // Integers checked above, so they can be spliced in: COPY takes no bind parameters.
      const bytes = await copyOut(
        `COPY (SELECT ${COLUMNS} FROM ledger_entries WHERE seq >= ${first} AND seq <= ${last} ORDER BY seq) TO STDOUT (FORMAT binary)`,
      );
      return parseEntryCopy(bytes);
    },
  };
}

/** The ordinary query, its rows encoded into the page shape (PGlite, or any plain SqlQueryable). */
export function queryPageReader(q: SqlQueryable): EntryPageReader {
  return {
    async read(first, last) {
      checkRange(first, last);
      const rows = await q.query(
        `SELECT ${COLUMNS}, ${WHOLE_MS} FROM ledger_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq`,
        [first, last],
      );
      const count = rows.length;
      const seq = new Float64Array(count);
      const timeMs = new Float64Array(count);
      const bounds = new Int32Array(count * BYTE_FIELDS * 2);
      let nullColumn: Int8Array | undefined;
      const markNull = (r: number, column: number) => {
        nullColumn ??= new Int8Array(count).fill(-1);
        if ((nullColumn[r] as number) < 0) nullColumn[r] = column;
      };
      const fields: (string | Uint8Array)[] = [];
      let size = 0;
      for (const [r, row] of rows.entries()) {
        if (row.seq === null) markNull(r, 0);
        seq[r] = row.seq === null ? Number.NaN : toNumber(row.seq);
        if (row.recorded_at === null) markNull(r, 1);
        timeMs[r] =
          row.recorded_at instanceof Date && row.whole_ms ? row.recorded_at.getTime() : Number.NaN;
        for (const [i, value] of [row.stream, row.kind, row.actor, row.payload].entries()) {
          if (value === null) {
            // A NULL reads as empty; the checker reports the row before hashing it.
            markNull(r, 2 + i);
            fields.push('');
            continue;
          }
          if (typeof value !== 'string')
            throw new TreeCorruptError(`entry ${seq[r]}: a text column is not text`);
          fields.push(value);
          size += Buffer.byteLength(value);
        }
        for (const [i, value] of [
          row.payload_hash,
          row.prev_hash,
          row.entry_hash,
          row.tree_nodes,
        ].entries()) {
          if (value === null) {
            markNull(r, 6 + i);
            fields.push(EMPTY);
            continue;
          }
          const bytes = toBytes(value);
          fields.push(bytes);
          size += bytes.length;
        }
      }
      const data = Buffer.allocUnsafe(size);
      let at = 0;
      for (const [i, value] of fields.entries()) {
        bounds[i * 2] = at;
        if (typeof value === 'string') {
          at += data.write(value, at, 'utf8');
        } else {
          data.set(value, at);
          at += value.length;
        }
        bounds[i * 2 + 1] = at;
      }
      return nullColumn
        ? { count, seq, timeMs, data, bounds, nullColumn }
        : { count, seq, timeMs, data, bounds };
    },
  };
}

/** Pages fetched ahead of the one being consumed. */
const PREFETCH = 3;

/**
 * The pages of seq first..last, in order. Pages are seq ranges, so several are fetched ahead (on
 * separate pool connections) while one is consumed: the database and the CPU overlap, and
 * memory stays bounded by PREFETCH pages. Ends after the first short page: the end of the log,
 * or a gap that the consumer's continuity check reports.
 */
export async function* entryPages(
  q: SqlQueryable,
  first: number,
  last: number,
  pageSize: number,
): AsyncGenerator<EntryPage> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1)
    throw new RangeError(`page size must be a positive integer, not ${pageSize}`);
  const reader = entryPageReader(q);
  const pending: Promise<EntryPage>[] = [];
  let next = first;
  let ended = false;
  const fill = () => {
    while (!ended && pending.length < PREFETCH && next <= last) {
      const page = reader.read(next, Math.min(next + pageSize - 1, last));
      // A page read ahead may fail before it is awaited; it throws when its turn comes, and
      // must not surface (and end the process) as an unhandled rejection meanwhile.
      page.catch(() => undefined);
      pending.push(page);
      next += pageSize;
    }
  };
  fill();
  while (pending.length > 0) {
    const page = await (pending.shift() as Promise<EntryPage>);
    if (page.count < pageSize) ended = true;
    fill();
    yield page;
  }
}
