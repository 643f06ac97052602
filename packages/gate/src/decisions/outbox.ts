import { type FileHandle, mkdir, open, rm, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '@bulwark/kit';
import { OutboxFullError } from '../errors.js';
import { readCursor, syncDirectory, writeCursor } from './outbox-cursor.js';
import { OutboxClosedError, OutboxCorruptError, OutboxWriteError } from './outbox-errors.js';
import { encodeRecordBody, lineOf, type OutboxRecord } from './outbox-line.js';
import { OutboxLock } from './outbox-lock.js';
import {
  closeReader,
  listSegments,
  readerOf,
  readRecords,
  type Segment,
  segmentFileName,
} from './outbox-segments.js';
import type { DecisionRecorder, GateRecord } from './types.js';

export interface FileOutboxOptions {
  /** The outbox's own directory (created if missing); one process at a time. */
  readonly dir: string;
  /** Most records accepted and not yet acknowledged; past it record() rejects (OutboxFullError). */
  readonly maxRecords: number;
  /** A new segment file is started once the current one reaches this size (default 8 MiB). */
  readonly segmentBytes?: number;
  readonly logger?: Logger;
}

/** Counters since open, for tests and benchmarks (how well group commit batches). */
export interface OutboxStats {
  /** Records made durable. */
  readonly records: number;
  /** write+fdatasync rounds that made them durable (group commits). */
  readonly syncs: number;
  /** The most records one round made durable. */
  readonly largestSync: number;
}

/** Where a record starts: undefined segment means the start of the first one. */
interface Position {
  readonly segment: Segment | undefined;
  readonly offset: number;
}

interface Waiting {
  readonly body: string;
  readonly resolve: (n: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Records read per call while walking to a position (a page, not the whole segment). */
const LOCATE_PAGE = 4_096;

/**
 * The gate's durable outbox: every record reaches disk (write + fdatasync) before record()
 * resolves, so a decision the gate answered survives kill -9 and power loss; a shipper then
 * moves the records to the ledger (pending → acknowledge) in n order.
 *
 * Group commit: records arriving while a write is being prepared or synced share the next write
 * and fdatasync, so the cost of a sync is spread over everything that arrived during the last
 * one. The bound counts records accepted and not yet acknowledged; past it, record() rejects at
 * once with OutboxFullError, so the gate denies instead of dropping or waiting.
 */
export class FileOutbox implements DecisionRecorder {
  readonly #dir: string;
  readonly #maxRecords: number;
  readonly #segmentBytes: number;
  readonly #logger: Logger | undefined;
  readonly #lock: OutboxLock;
  readonly #segments: Segment[];
  /** Append handle of the last segment; undefined until the next write opens a new segment. */
  #writer: FileHandle | undefined;
  #queue: Waiting[] = [];
  /** Records taken off the queue by the write in progress. */
  #writing = 0;
  #flushing: Promise<void> | undefined;
  #flushScheduled = false;
  /** The n of the last durable record (or the cursor, when every record is shipped and gone). */
  #durableN: number;
  #shipped: number;
  /** Where record #shipped + 1 starts. */
  #readFrom: Position;
  /** Where the record after each record the last pending() returned starts. */
  #nextAfter = new Map<number, Position>();
  /** pending() and acknowledge() run one at a time, in call order. */
  #readerTurn: Promise<unknown> = Promise.resolve();
  #failure: unknown;
  #closed = false;
  readonly #listeners = new Set<(lastN: number) => void>();
  #stats = { records: 0, syncs: 0, largestSync: 0 };

  private constructor(
    options: FileOutboxOptions,
    dir: string,
    lock: OutboxLock,
    segments: Segment[],
    shipped: number,
    writer: FileHandle | undefined,
  ) {
    this.#dir = dir;
    this.#maxRecords = options.maxRecords;
    this.#segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.#logger = options.logger;
    this.#lock = lock;
    this.#segments = segments;
    this.#shipped = shipped;
    this.#durableN = Math.max(shipped, segments.at(-1)?.lastN ?? 0);
    this.#writer = writer;
    this.#readFrom = { segment: undefined, offset: 0 };
  }

  /**
   * Opens (or creates) the outbox in `dir`: takes its lock, cuts a torn last line away (a write
   * that kill -9 interrupted; never acknowledged, since record() waits for the sync), deletes
   * segments the ledger already has, and finds the first record not yet shipped.
   */
  static async open(options: FileOutboxOptions): Promise<FileOutbox> {
    if (!Number.isSafeInteger(options.maxRecords) || options.maxRecords < 1) {
      throw new RangeError('maxRecords must be a positive integer');
    }
    const dir = resolve(options.dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await OutboxLock.acquire(dir);
    try {
      const shipped = await readCursor(dir);
      const segments = await recoverSegments(dir, shipped, options.logger);
      const last = segments.at(-1);
      const writer = last ? await open(last.path, 'r+') : undefined;
      const outbox = new FileOutbox(options, dir, lock, segments, shipped, writer);
      try {
        outbox.#readFrom = await outbox.#locate(shipped + 1);
      } catch (error) {
        await outbox.#closeFiles();
        throw error;
      }
      return outbox;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** DecisionRecorder: resolves once the record is durable (see append). */
  record(record: GateRecord): Promise<void> {
    return this.append(record).then(() => undefined);
  }

  /**
   * Resolves with the record's n once it is durable. Rejects with OutboxFullError at the bound,
   * UnshippableRecordError for a record the ledger would refuse, OutboxWriteError after a failed
   * write, OutboxClosedError after close().
   */
  append(record: GateRecord): Promise<number> {
    if (this.#closed) return Promise.reject(new OutboxClosedError());
    if (this.#failure !== undefined) {
      return Promise.reject(
        new OutboxWriteError('the decision outbox failed a write; reopen it', {
          cause: this.#failure,
        }),
      );
    }
    const depth = this.depth();
    if (depth >= this.#maxRecords) {
      return Promise.reject(
        new OutboxFullError(
          `the decision outbox holds ${depth} records the ledger has not acknowledged (its bound)`,
        ),
      );
    }
    let body: string;
    try {
      body = encodeRecordBody(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ body, resolve, reject });
      this.#scheduleFlush();
    });
  }

  /** Records accepted (durable, or being written) and not yet acknowledged by the ledger. */
  depth(): number {
    return this.#durableN - this.#shipped + this.#writing + this.#queue.length;
  }

  /**
   * False once closed or after a failed write: every record() fails from then on, until the
   * outbox is reopened (a restart of the gate).
   */
  get writable(): boolean {
    return !this.#closed && this.#failure === undefined;
  }

  /** The n of the last record the ledger acknowledged (0: none). */
  shipped(): number {
    return this.#shipped;
  }

  /** The n of the last durable record (0: none yet). */
  lastRecorded(): number {
    return this.#durableN;
  }

  stats(): OutboxStats {
    return { ...this.#stats };
  }

  /** Calls `listener` with the last durable n after each group commit; returns its remover. */
  onDurable(listener: (lastN: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Up to `limit` durable records after the cursor, in n order (the same ones until acknowledged). */
  pending(limit: number): Promise<OutboxRecord[]> {
    return this.#inReaderTurn(() => this.#pending(limit));
  }

  /**
   * Moves the cursor to `n` (the ledger holds every record up to it), durably, and deletes the
   * segments it has passed. Acknowledging n at or below the cursor does nothing.
   */
  acknowledge(n: number): Promise<void> {
    return this.#inReaderTurn(() => this.#acknowledge(n));
  }

  /** Writes what was accepted, then closes the files and releases the directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Records already accepted are written: their callers are waiting for them.
    this.#startFlush();
    while (this.#flushing) await this.#flushing;
    await this.#readerTurn.catch(() => undefined);
    await this.#closeFiles();
    await this.#lock.release();
  }

  #inReaderTurn<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new OutboxClosedError());
    const run = this.#readerTurn.then(fn);
    this.#readerTurn = run.catch(() => undefined);
    return run;
  }

  // setImmediate rather than a microtask: every record arriving in this turn of the event loop
  // (all the requests one poll phase delivered) joins the first write.
  #scheduleFlush(): void {
    if (this.#flushing || this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#startFlush();
    });
  }

  #startFlush(): void {
    if (this.#flushing || this.#queue.length === 0) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      // Records that arrived after the loop saw an empty queue.
      if (this.#queue.length > 0) this.#scheduleFlush();
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      this.#writing = batch.length;
      const first = this.#durableN + 1;
      if (this.#failure !== undefined) {
        this.#writing = 0;
        const error = new OutboxWriteError('the decision outbox failed a write; reopen it', {
          cause: this.#failure,
        });
        for (const waiting of batch) waiting.reject(error);
        continue;
      }
      try {
        await this.#writeDurably(batch, first);
      } catch (cause) {
        this.#failure = cause;
        this.#writing = 0;
        this.#logger?.error({ err: cause, dir: this.#dir }, 'decision outbox write failed');
        const error = new OutboxWriteError('the decision outbox could not write a record', {
          cause,
        });
        for (const waiting of batch) waiting.reject(error);
        continue;
      }
      this.#durableN += batch.length;
      this.#writing = 0;
      this.#stats.records += batch.length;
      this.#stats.syncs++;
      this.#stats.largestSync = Math.max(this.#stats.largestSync, batch.length);
      batch.forEach((waiting, i) => {
        waiting.resolve(first + i);
      });
      for (const listener of this.#listeners) {
        try {
          listener(this.#durableN);
        } catch {
          // A listener's failure must not fail records that are already durable.
        }
      }
    }
  }

  /** One write and one fdatasync for the whole batch, into the last segment (or a new one). */
  async #writeDurably(batch: readonly Waiting[], first: number): Promise<void> {
    let segment = this.#segments.at(-1);
    if (!segment || !this.#writer || segment.bytes >= this.#segmentBytes) {
      segment = await this.#startSegment(first);
    }
    const writer = this.#writer as FileHandle;
    let text = '';
    for (let i = 0; i < batch.length; i++) text += lineOf(first + i, (batch[i] as Waiting).body);
    const bytes = Buffer.from(text, 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await writer.write(
          bytes,
          written,
          bytes.length - written,
          segment.bytes + written,
        );
        written += bytesWritten;
      }
      await writer.datasync();
    } catch (error) {
      // Best effort: leave no half batch for a reopen to find. Reopening is required anyway.
      await writer.truncate(segment.bytes).catch(() => undefined);
      throw error;
    }
    segment.bytes += bytes.length;
    segment.lastN = first + batch.length - 1;
  }

  async #startSegment(firstN: number): Promise<Segment> {
    await this.#writer?.close();
    this.#writer = undefined;
    const path = join(this.#dir, segmentFileName(firstN));
    this.#writer = await open(path, 'wx', 0o600);
    // The new file's directory entry must be durable before records in it are acknowledged.
    await syncDirectory(this.#dir);
    const segment: Segment = { firstN, path, bytes: 0, lastN: firstN - 1, reader: undefined };
    this.#segments.push(segment);
    return segment;
  }

  async #pending(limit: number): Promise<OutboxRecord[]> {
    const out: OutboxRecord[] = [];
    this.#nextAfter = new Map();
    let n = this.#shipped + 1;
    let { segment, offset } = this.#readFrom;
    segment ??= this.#segments[0];
    while (out.length < limit && n <= this.#durableN && segment) {
      if (offset >= segment.bytes) {
        segment = this.#segments[this.#segments.indexOf(segment) + 1];
        offset = 0;
        continue;
      }
      const read = await readRecords(
        await readerOf(segment),
        offset,
        segment.bytes,
        n,
        limit - out.length,
      );
      read.records.forEach((record, i) => {
        out.push(record);
        this.#nextAfter.set(record.n, { segment, offset: read.ends[i] as number });
      });
      n += read.records.length;
      offset = read.ends.at(-1) ?? offset;
      if (read.invalidAt !== undefined) {
        throw new OutboxCorruptError(
          `${segment.path}: byte ${read.invalidAt} does not start record ${n}`,
        );
      }
    }
    if (out.length < limit && n <= this.#durableN) {
      throw new OutboxCorruptError(`records ${n}..${this.#durableN} are missing from the outbox`);
    }
    return out;
  }

  async #acknowledge(n: number): Promise<void> {
    if (!Number.isSafeInteger(n) || n > this.#durableN) {
      throw new RangeError(
        `cannot acknowledge ${n}: the outbox holds records up to ${this.#durableN}`,
      );
    }
    if (n <= this.#shipped) return;
    const next = this.#nextAfter.get(n) ?? (await this.#locate(n + 1));
    await writeCursor(this.#dir, n);
    this.#shipped = n;
    this.#readFrom = next;
    // Segments the ledger holds whole; never the one being written.
    while (this.#segments.length > 1 && (this.#segments[0] as Segment).lastN <= n) {
      const done = this.#segments.shift() as Segment;
      await closeReader(done);
      await rm(done.path, { force: true });
      if (this.#readFrom.segment === done) this.#readFrom = { segment: undefined, offset: 0 };
    }
  }

  /** Where record `target` starts (or would start, for the next one), read from disk. */
  async #locate(target: number): Promise<Position> {
    const segment = this.#segments.findLast((s) => s.firstN <= target);
    if (!segment) {
      const first = this.#segments[0];
      if (first && first.firstN !== target) {
        throw new OutboxCorruptError(
          `the outbox's first record is ${first.firstN}, but ${target} is the first not shipped`,
        );
      }
      return { segment: undefined, offset: 0 };
    }
    let n = segment.firstN;
    let offset = 0;
    while (n < target) {
      const read = await readRecords(
        await readerOf(segment),
        offset,
        segment.bytes,
        n,
        Math.min(LOCATE_PAGE, target - n),
      );
      n += read.records.length;
      offset = read.ends.at(-1) ?? offset;
      if (read.invalidAt !== undefined || read.records.length === 0) break;
    }
    if (n !== target) {
      throw new OutboxCorruptError(`${segment.path}: record ${target} is not where it should be`);
    }
    return { segment, offset };
  }

  async #closeFiles(): Promise<void> {
    await this.#writer?.close().catch(() => undefined);
    this.#writer = undefined;
    for (const segment of this.#segments) await closeReader(segment).catch(() => undefined);
  }
}

/**
 * Reads the segments back after a stop or a crash: the last one is checked line by line and cut
 * at its first bad byte (the torn end of an interrupted write), empty segments are removed, and
 * so are segments the cursor has passed. Earlier segments were synced whole before the next was
 * started; a bad line there is reported by the reader as corruption, never cut.
 */
async function recoverSegments(
  dir: string,
  shipped: number,
  logger: Logger | undefined,
): Promise<Segment[]> {
  const segments = await listSegments(dir);
  for (let i = 0; i + 1 < segments.length; i++) {
    (segments[i] as Segment).lastN = (segments[i + 1] as Segment).firstN - 1;
  }
  const last = segments.at(-1);
  if (last) {
    const handle = await open(last.path, 'r');
    let valid = 0;
    let n = last.firstN;
    try {
      for (;;) {
        const read = await readRecords(handle, valid, last.bytes, n, LOCATE_PAGE);
        n += read.records.length;
        valid = read.ends.at(-1) ?? valid;
        if (read.invalidAt !== undefined || read.records.length === 0) break;
      }
    } finally {
      await handle.close();
    }
    if (valid < last.bytes) {
      // Only a write that was never synced, hence never acknowledged, can end this way. Cut
      // many bytes is still logged loudly: it is also what damage to synced data would look like.
      logger?.warn(
        { segment: last.path, bytes: last.bytes - valid, lastRecord: n - 1 },
        'decision outbox: cut a torn write from the end of the last segment',
      );
      await truncate(last.path, valid);
      const handleForSync = await open(last.path, 'r+');
      await handleForSync.datasync().finally(() => handleForSync.close());
      last.bytes = valid;
    }
    last.lastN = n - 1;
  }
  // Drop segments that hold no records, and those the ledger has whole.
  const kept: Segment[] = [];
  for (const segment of segments) {
    if (segment.lastN < segment.firstN || segment.lastN <= shipped) {
      await rm(segment.path, { force: true });
    } else {
      kept.push(segment);
    }
  }
  return kept;
}
