import type { Logger } from '@bulwark/kit';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { type BackoffOptions, pause } from './backoff.js';
import type { AppendBatchOptions, BatchReceipt, StreamTail } from './ledger-client.js';
import {
  LedgerRefusedError,
  LedgerStreamMismatchError,
  LedgerStreamMovedError,
  LedgerUnreachableError,
} from './ledger-client-errors.js';
import { OutboxClosedError, OutboxCorruptError } from './outbox-errors.js';
import { isLedgerName, OUTBOX_SEQ_KEY, type OutboxRecord } from './outbox-line.js';
import { Wakeup } from './wakeup.js';

/** The outbox as the shipper reads it (FileOutbox). */
export interface ShippableOutbox {
  pending(limit: number): Promise<OutboxRecord[]>;
  acknowledge(n: number): Promise<void>;
  depth(): number;
  shipped(): number;
  lastRecorded(): number;
  onDurable(listener: (lastN: number) => void): () => void;
}

/** The ledger as the shipper writes to it (LedgerBatchClient). */
export interface LedgerBatchSink {
  appendBatch(
    stream: string,
    records: readonly OutboxRecord[],
    options?: AppendBatchOptions,
  ): Promise<BatchReceipt>;
  lastOfStream(
    stream: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<StreamTail | undefined>;
}

export interface OutboxShipperOptions {
  readonly outbox: ShippableOutbox;
  /** The ledger service (a LedgerBatchClient). */
  readonly client: LedgerBatchSink;
  /** The ledger stream the records go to; this outbox's alone. */
  readonly stream: string;
  /** Most records per batch (default 500; the ledger takes at most 1000). */
  readonly batchSize?: number;
  /** Most JSON bytes per batch (default 512 KiB, half the ledger's default body limit). */
  readonly maxBatchBytes?: number;
  /** Delays between failed attempts (default 100 ms growing to 5 s, decorrelated jitter). */
  readonly retry?: BackoffOptions;
  readonly logger?: Logger;
}

/**
 * stopped: not started, or stop() was called. running: shipping or waiting for records or for
 * the ledger. halted: the ledger refused a batch, or the stream does not match the outbox;
 * nothing is sent until an operator looks (lastError says why) and start() is called again.
 */
export type ShipperState = 'stopped' | 'running' | 'halted';

export interface ShipperStatus {
  readonly state: ShipperState;
  /** Records in the outbox the ledger has not acknowledged. */
  readonly depth: number;
  /** The outbox n of the last record the ledger acknowledged (0: none). */
  readonly lastShipped: number;
  /** Whether the last call to the ledger was answered. */
  readonly connected: boolean;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
  /** Batches the ledger refused (4xx) since this shipper was made. */
  readonly refusedBatches: number;
}

/**
 * Moves the outbox's records to one ledger stream, in n order, each exactly once: every entry
 * carries its n as payload.outboxSeq, and before the first send and after any failure the
 * shipper asks the ledger for the stream's newest entry and skips what is already there. Every
 * batch is conditional on that tail (ifLastSeq), so a copy of an earlier send that lands late
 * (a timeout the ledger did not see) is refused by the ledger instead of duplicated.
 *
 * The shipper owns neither the outbox nor the client: whoever opened them closes them, after
 * stop().
 */
export class OutboxShipper {
  readonly #outbox: ShippableOutbox;
  readonly #ledger: LedgerBatchSink;
  readonly #stream: string;
  readonly #batchSize: number;
  readonly #maxBatchBytes: number;
  /** Delays between failed attempts: cockatiel's exponential backoff with decorrelated jitter. */
  readonly #backoff: ExponentialBackoff<unknown>;
  readonly #logger: Logger | undefined;
  readonly #wakeup = new Wakeup();
  #state: ShipperState = 'stopped';
  #connected = false;
  #lastError: ShipperStatus['lastError'];
  #refusedBatches = 0;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: OutboxShipperOptions) {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
      throw new RangeError('batchSize must be 1..1000 (the ledger takes at most 1000 per batch)');
    }
    if (!isLedgerName(options.stream)) {
      throw new RangeError(`stream ${JSON.stringify(options.stream)} is not a ledger stream name`);
    }
    this.#outbox = options.outbox;
    this.#ledger = options.client;
    this.#stream = options.stream;
    this.#batchSize = batchSize;
    this.#maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.#backoff = new ExponentialBackoff({
      initialDelay: options.retry?.initialMs ?? 100,
      maxDelay: options.retry?.maxMs ?? 5_000,
    });
    this.#logger = options.logger;
  }

  /** Starts shipping (again, after stop() or a halt). */
  start(): void {
    if (this.#loop) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#state = 'running';
    this.#lastError = undefined;
    this.#unsubscribe = this.#outbox.onDurable(() => this.#wakeup.notify());
    this.#loop = this.#run(abort.signal).finally(() => {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      this.#loop = undefined;
    });
  }

  /**
   * Stops at once: a wait or a backoff ends, a request in flight is aborted (it may still land;
   * the next start asks the ledger before sending). Resolves when the loop has ended.
   */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    if (this.#state === 'running') this.#state = 'stopped';
  }

  status(): ShipperStatus {
    return {
      state: this.#state,
      depth: this.#outbox.depth(),
      lastShipped: this.#outbox.shipped(),
      connected: this.#connected,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      refusedBatches: this.#refusedBatches,
    };
  }

  async #run(signal: AbortSignal): Promise<void> {
    // The current run of failures' backoff; undefined after a success.
    let backoff: IBackoff<unknown> | undefined;
    let attempt = 0;
    // The ledger seq of the stream's newest entry, as last learned; undefined: ask first.
    let tailSeq: number | undefined;
    while (!signal.aborted) {
      try {
        if (tailSeq === undefined) tailSeq = await this.#reconcile(signal);
        const batch = this.#fitToBytes(await this.#outbox.pending(this.#batchSize));
        const last = batch.at(-1);
        if (!last) {
          // All shipped and the ledger answering: whatever failed before is over.
          attempt = 0;
          backoff = undefined;
          this.#lastError = undefined;
          await this.#wakeup.wait(signal);
          continue;
        }
        const receipt = await this.#ledger.appendBatch(this.#stream, batch, {
          ifLastSeq: tailSeq,
          signal,
        });
        this.#connected = true;
        tailSeq = receipt.last;
        await this.#outbox.acknowledge(last.n);
        attempt = 0;
        backoff = undefined;
        this.#lastError = undefined;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof OutboxClosedError) break; // closed under a running shipper: done
        // Whatever failed, the ledger may hold more than we know: ask before sending again.
        tailSeq = undefined;
        this.#noteError(error);
        if (halts(error)) {
          if (error instanceof LedgerRefusedError) this.#refusedBatches++;
          this.#state = 'halted';
          this.#logger?.error(
            { err: error, stream: this.#stream, depth: this.#outbox.depth() },
            'decision shipper halted: records stay in the outbox until an operator restarts it',
          );
          return;
        }
        if (error instanceof LedgerUnreachableError) this.#connected = false;
        backoff = backoff ? backoff.next(undefined) : this.#backoff.next();
        attempt++;
        const delay = backoff.duration;
        if (error instanceof LedgerStreamMovedError) {
          // Expected once after an uncertain send whose first copy landed after all.
          this.#logger?.info(
            { stream: this.#stream, retryInMs: Math.round(delay) },
            'decision shipper: the stream moved under a resent batch; reading its tail again',
          );
        } else {
          this.#logger?.warn(
            { err: error, stream: this.#stream, attempt, retryInMs: Math.round(delay) },
            'decision shipper: ledger call failed, retrying',
          );
        }
        await pause(delay, signal);
      }
    }
    this.#state = 'stopped';
  }

  /**
   * Asks the ledger for the stream's newest entry and acknowledges every record up to its
   * outboxSeq (it is already there); returns its ledger seq (0: empty stream).
   */
  async #reconcile(signal: AbortSignal): Promise<number> {
    const tail = await this.#ledger.lastOfStream(this.#stream, { signal });
    this.#connected = true;
    const shipped = this.#outbox.shipped();
    if (!tail) {
      if (shipped > 0) this.#ledgerBehind(0, shipped);
      return 0;
    }
    const payload = tail.payload as Record<string, unknown> | null;
    const landed =
      typeof payload === 'object' && payload !== null ? payload[OUTBOX_SEQ_KEY] : undefined;
    if (!Number.isSafeInteger(landed) || (landed as number) < 1) {
      throw new LedgerStreamMismatchError(
        `the newest entry of ledger stream ${this.#stream} (seq ${tail.seq}) has no ${OUTBOX_SEQ_KEY}: another writer uses the stream`,
      );
    }
    const seq = landed as number;
    const recorded = this.#outbox.lastRecorded();
    if (seq > recorded) {
      throw new LedgerStreamMismatchError(
        `ledger stream ${this.#stream} holds ${OUTBOX_SEQ_KEY} ${seq}, but this outbox has recorded only ${recorded}: another outbox writes to the stream, or this one was reset`,
      );
    }
    if (seq > shipped) {
      await this.#outbox.acknowledge(seq);
      this.#logger?.info(
        { stream: this.#stream, from: shipped + 1, to: seq },
        'decision shipper: the ledger already holds these records; not sending them again',
      );
    } else if (seq < shipped) {
      this.#ledgerBehind(seq, shipped);
    }
    return tail.seq;
  }

  /**
   * The ledger lost entries it acknowledged (a restore from an older backup, another ledger):
   * they cannot be resent, the outbox no longer holds them. Shipping goes on from the cursor,
   * leaving a gap in outboxSeq the ledger's readers will see, and this says so loudly.
   */
  #ledgerBehind(landed: number, shipped: number): void {
    this.#logger?.error(
      { stream: this.#stream, ledgerHas: landed, outboxShipped: shipped },
      'decision shipper: the ledger stream ends before records it acknowledged',
    );
  }

  /** The longest prefix of `records` under the byte budget (at least one record). */
  #fitToBytes(records: OutboxRecord[]): OutboxRecord[] {
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as OutboxRecord;
      // The entry as sent: names, payload, the outboxSeq added, and the JSON around them.
      bytes += Buffer.byteLength(JSON.stringify(r.payload)) + r.kind.length + r.actor.length;
      bytes += this.#stream.length + 96;
      if (bytes > this.#maxBatchBytes && i > 0) return records.slice(0, i);
    }
    return records;
  }

  #noteError(error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    this.#lastError = {
      code: typeof code === 'string' ? code : 'BW_GATE_SHIPPER',
      message: error instanceof Error ? error.message : String(error),
      at: new Date().toISOString(),
    };
  }
}

/** Failures that resending cannot fix: an operator has to look. */
function halts(error: unknown): boolean {
  return (
    error instanceof LedgerRefusedError ||
    error instanceof LedgerStreamMismatchError ||
    error instanceof OutboxCorruptError
  );
}
