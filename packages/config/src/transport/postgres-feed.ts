import type { TransportErrorReporter } from './transport.js';

/** A row of the log as a feed sees it. */
export interface LogRow {
  readonly seq: number;
  readonly payload: unknown;
}

/** What became of a row handed to the subscriber. */
export type Delivered = 'next' | 'again';

export interface LogFeedOptions {
  /** Rows after `afterSeq`, in seq order, at most `limit`. */
  readonly read: (afterSeq: number, limit: number) => Promise<readonly LogRow[]>;
  /** Hands one row over: `next` moves past it, `again` reads it again after retryDelayMs. */
  readonly deliver: (row: LogRow) => Promise<Delivered>;
  readonly afterSeq: number;
  readonly retryDelayMs: number;
  readonly report: TransportErrorReporter;
  readonly context: string;
}

const PAGE = 100;

/**
 * One subscription over the PostgreSQL log: reads the rows after the last seq it delivered,
 * whenever it is woken (a NOTIFY for it, a reconnected LISTEN), one read at a time. A wake during
 * a read makes it read once more, so a notification is never lost between a read and the next.
 * A failed read (the server is gone) is retried after retryDelayMs until it succeeds or stops.
 */
export class LogFeed {
  readonly #options: LogFeedOptions;
  #afterSeq: number;
  #running: Promise<void> | undefined;
  #dirty = false;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: LogFeedOptions) {
    this.#options = options;
    this.#afterSeq = options.afterSeq;
  }

  get afterSeq(): number {
    return this.#afterSeq;
  }

  /** Reads what is new; when a read is running, reads once more after it. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#running = this.#pump().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when what is new at this moment has been delivered (or a read failed). */
  async drain(): Promise<void> {
    this.wake();
    while (this.#running) await this.#running;
  }

  /** No more reads; resolves when the handler running now (if any) has returned. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#running;
  }

  async #pump(): Promise<void> {
    do {
      this.#dirty = false;
      let rows: readonly LogRow[];
      try {
        rows = await this.#options.read(this.#afterSeq, PAGE);
      } catch (error) {
        this.#options.report(error, `${this.#options.context}: reading failed; retrying`);
        this.#later();
        return;
      }
      for (const row of rows) {
        if (this.#stopped) return;
        if ((await this.#options.deliver(row)) === 'again') {
          this.#later();
          return;
        }
        this.#afterSeq = row.seq;
      }
      if (rows.length === PAGE) this.#dirty = true;
    } while (this.#dirty && !this.#stopped);
  }

  #later(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.wake(), this.#options.retryDelayMs);
  }
}
