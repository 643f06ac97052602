import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type OutboxRecord, parseLine } from './outbox-line.js';

/**
 * The outbox's segment files: `segment-<first n, 16 digits>.ndjson`, one record per line, in n
 * order, each segment starting where the one before it ends.
 */
export interface Segment {
  /** The n of its first record (from its name). */
  readonly firstN: number;
  readonly path: string;
  /** Bytes of whole, durable records: readers never look past it. */
  bytes: number;
  /** The n of its last record (firstN - 1 while it has none). */
  lastN: number;
  /** A read handle, opened on first read and closed with the segment. */
  reader: FileHandle | undefined;
}

const SEGMENT_FILE = /^segment-(\d{16})\.ndjson$/;

export const segmentFileName = (firstN: number): string =>
  `segment-${String(firstN).padStart(16, '0')}.ndjson`;

/** The segments in a directory, in n order, with their sizes on disk. */
export async function listSegments(dir: string): Promise<Segment[]> {
  const segments: Segment[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_FILE.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    const firstN = Number(match[1]);
    segments.push({
      firstN,
      path,
      bytes: (await stat(path)).size,
      lastN: firstN - 1,
      reader: undefined,
    });
  }
  return segments.sort((a, b) => a.firstN - b.firstN);
}

export interface ReadRecords {
  readonly records: OutboxRecord[];
  /** ends[i]: the offset just past records[i], where the next record starts. */
  readonly ends: number[];
  /** Where the first line that is not record n (torn, foreign, out of order) starts, if one was met. */
  readonly invalidAt: number | undefined;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Reads at most `limit` records from `start` up to `end` (a byte offset), expecting them to be
 * numbered `firstN`, firstN + 1, … Stops at the first line that is not the expected record, or
 * at bytes with no newline before `end` (a torn write), and says where.
 */
export async function readRecords(
  handle: FileHandle,
  start: number,
  end: number,
  firstN: number,
  limit: number,
): Promise<ReadRecords> {
  const records: OutboxRecord[] = [];
  const ends: number[] = [];
  let offset = start; // where the bytes in `carry` start: the first unread line
  let carry = Buffer.alloc(0);
  let n = firstN;
  while (records.length < limit && offset + carry.length < end) {
    const want = Math.min(CHUNK_BYTES, end - offset - carry.length);
    const chunk = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(chunk, 0, want, offset + carry.length);
    if (bytesRead === 0) break; // the file is shorter than `end`: what is missing is invalid
    const data =
      carry.length === 0
        ? chunk.subarray(0, bytesRead)
        : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    let lineStart = 0;
    while (records.length < limit) {
      const newline = data.indexOf(0x0a, lineStart);
      if (newline < 0) break;
      const record = parseLine(data.toString('utf8', lineStart, newline), n);
      if (!record) return { records, ends, invalidAt: offset + lineStart };
      records.push(record);
      ends.push(offset + newline + 1);
      n++;
      lineStart = newline + 1;
    }
    offset += lineStart;
    carry = data.subarray(lineStart);
  }
  const complete = records.length >= limit || offset >= end;
  return { records, ends, invalidAt: complete ? undefined : offset };
}

/** The segment's read handle, opened on first use. */
export async function readerOf(segment: Segment): Promise<FileHandle> {
  segment.reader ??= await open(segment.path, 'r');
  return segment.reader;
}

export async function closeReader(segment: Segment): Promise<void> {
  const reader = segment.reader;
  segment.reader = undefined;
  await reader?.close();
}
