/**
 * A parser for PostgreSQL's binary COPY output of the ledger's entry columns. Hand-written
 * because the format is tiny and the verifier wants offsets into one buffer, not a decoded
 * object per field (pg-copy-streams-binary would allocate per row and field).
 *
 * Format (PostgreSQL manual, COPY, "Binary Format"):
 *   header:  11-byte signature "PGCOPY\n\377\r\n\0", int32 flags (bit 16: OIDs included;
 *            other bits 16-31 are critical and must be zero), int32 extension length, extension
 *   tuple:   int16 field count, then per field int32 byte length (-1 = NULL) and the bytes
 *            (the schema forbids NULLs; one is marked on its row as damage, not a format error)
 *   trailer: int16 -1
 * All integers are big-endian. Field values use each type's binary send function:
 *   bigint       8-byte two's complement
 *   timestamptz  8-byte microseconds since 2000-01-01 00:00:00 UTC (integer datetimes, the only
 *                kind since PostgreSQL 10)
 *   text         the bytes in the client encoding (pg connects with UTF8)
 *   bytea        the raw bytes
 */
import { CopyFormatError } from '../errors.js';
import { BYTE_FIELDS, type EntryPage } from './entry-page.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const COLUMNS = 2 + BYTE_FIELDS;
/** 2000-01-01T00:00:00Z in milliseconds since the Unix epoch. */
const PG_EPOCH_MS = 946_684_800_000;
const OIDS_FLAG = 1 << 16;

const int16 = (d: Buffer, at: number): number =>
  (((d[at] as number) << 24) >> 16) | (d[at + 1] as number);
const int32 = (d: Buffer, at: number): number =>
  ((d[at] as number) << 24) |
  ((d[at + 1] as number) << 16) |
  ((d[at + 2] as number) << 8) |
  (d[at + 3] as number);
/** A signed 64-bit field as a number; NaN when it is not exactly representable. */
function int64(d: Buffer, at: number): number {
  const value = int32(d, at) * 2 ** 32 + (int32(d, at + 4) >>> 0);
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** Parses a whole COPY TO STDOUT (FORMAT binary) output of the ten entry columns. */
export function parseEntryCopy(data: Buffer): EntryPage {
  if (
    data.length < SIGNATURE.length + 8 ||
    data.compare(SIGNATURE, 0, SIGNATURE.length, 0, SIGNATURE.length) !== 0
  )
    throw new CopyFormatError('not a binary COPY stream (bad signature)');
  const flags = int32(data, SIGNATURE.length);
  if ((flags & 0xffff0000) !== 0)
    throw new CopyFormatError(
      flags & OIDS_FLAG
        ? 'binary COPY with OIDs is not expected'
        : `unknown critical COPY flags ${flags}`,
    );
  let at = SIGNATURE.length + 8 + int32(data, SIGNATURE.length + 4);
  // A first pass would only count rows; growing typed arrays geometrically is as cheap.
  let capacity = 1024;
  let seq = new Float64Array(capacity);
  let timeMs = new Float64Array(capacity);
  let bounds = new Int32Array(capacity * BYTE_FIELDS * 2);
  let count = 0;
  // Allocated at the first NULL only: the schema forbids them, so an honest page has none.
  let nullColumn: Int8Array | undefined;
  const need = (bytes: number) => {
    if (at + bytes > data.length) throw new CopyFormatError('binary COPY stream ends inside a row');
  };
  for (;;) {
    need(2);
    const fields = int16(data, at);
    at += 2;
    if (fields === -1) break;
    if (fields !== COLUMNS)
      throw new CopyFormatError(`a COPY row has ${fields} columns, expected ${COLUMNS}`);
    if (count === capacity) {
      capacity *= 2;
      seq = grow(seq, capacity);
      timeMs = grow(timeMs, capacity);
      bounds = grow(bounds, capacity * BYTE_FIELDS * 2);
      if (nullColumn) nullColumn = grow(nullColumn, capacity).fill(-1, count);
    }
    // seq and recorded_at: a length word of 8, or -1 for a NULL (marked on the row).
    need(4);
    let length = int32(data, at);
    at += 4;
    if (length === 8) {
      need(8);
      seq[count] = int64(data, at);
      at += 8;
    } else if (length === -1) {
      nullColumn = markNull(nullColumn, capacity, count, 0);
      seq[count] = Number.NaN;
    } else {
      throw new CopyFormatError('seq is not an 8-byte bigint');
    }
    need(4);
    length = int32(data, at);
    at += 4;
    if (length === 8) {
      need(8);
      const micros = int64(data, at);
      // The hash covers whole milliseconds; a stored time with a sub-millisecond part cannot be
      // what was hashed, so it reads as NaN and fails the entry-hash check.
      timeMs[count] = micros % 1000 === 0 ? micros / 1000 + PG_EPOCH_MS : Number.NaN;
      at += 8;
    } else if (length === -1) {
      nullColumn = markNull(nullColumn, capacity, count, 1);
      timeMs[count] = Number.NaN;
    } else {
      throw new CopyFormatError('recorded_at is not an 8-byte timestamptz');
    }
    const base = count * BYTE_FIELDS * 2;
    for (let f = 0; f < BYTE_FIELDS; f++) {
      need(4);
      length = int32(data, at);
      at += 4;
      if (length < 0) {
        // A NULL byte field reads as empty; the checker reports the row before hashing it.
        nullColumn = markNull(nullColumn, capacity, count, 2 + f);
        bounds[base + f * 2] = at;
        bounds[base + f * 2 + 1] = at;
        continue;
      }
      need(length);
      bounds[base + f * 2] = at;
      at += length;
      bounds[base + f * 2 + 1] = at;
    }
    count += 1;
  }
  return nullColumn
    ? { count, seq, timeMs, data, bounds, nullColumn }
    : { count, seq, timeMs, data, bounds };
}

/** Records `column` as row `row`'s first NULL column (module level: the parse loop's locals stay off the heap). */
function markNull(
  nullColumn: Int8Array | undefined,
  capacity: number,
  row: number,
  column: number,
): Int8Array {
  const marks = nullColumn ?? new Int8Array(capacity).fill(-1);
  if ((marks[row] as number) < 0) marks[row] = column;
  return marks;
}

function grow<T extends Float64Array | Int32Array | Int8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}
