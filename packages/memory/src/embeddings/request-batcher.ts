export interface BatcherOptions {
  /** Most texts in one request. */
  maxBatchSize: number;
  /** How long the first queued text waits for others before its request goes out. */
  maxWaitMs: number;
}

interface Queued {
  readonly text: string;
  readonly promise: Promise<Float32Array>;
  readonly resolve: (vector: Float32Array) => void;
  readonly reject: (error: unknown) => void;
  /** Callers still waiting; at 0 an unsent text is dropped from the queue. */
  waiters: number;
}

/**
 * Coalesces concurrent embed calls into few requests: texts queue until maxBatchSize of them are
 * waiting or the first has waited maxWaitMs, then go out together. The same text asked twice,
 * queued or already in flight, is sent once. A caller's abort releases that caller at once; the
 * shared request goes on for the others (and its answer still fills the cache).
 * DataLoader does the coalescing but not the size-or-time flush, the in-flight sharing or the
 * per-caller abort, so this is written here.
 */
export class RequestBatcher {
  readonly #options: BatcherOptions;
  readonly #send: (texts: string[]) => Promise<Float32Array[]>;
  readonly #queue = new Map<string, Queued>();
  readonly #inflight = new Map<string, Promise<Float32Array>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BatcherOptions, send: (texts: string[]) => Promise<Float32Array[]>) {
    this.#options = options;
    this.#send = send;
  }

  /** The vector for `text` (known by `key`), through the next batch. */
  submit(key: string, text: string, signal?: AbortSignal): Promise<Float32Array> {
    const flying = this.#inflight.get(key);
    if (flying !== undefined) return released(flying, signal, () => undefined);
    let queued = this.#queue.get(key);
    if (queued === undefined) {
      let resolve!: (vector: Float32Array) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<Float32Array>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined); // every waiter may have left; never an unhandled rejection
      queued = { text, promise, resolve, reject, waiters: 0 };
      this.#queue.set(key, queued);
    }
    queued.waiters++;
    const entry = queued;
    const result = released(entry.promise, signal, () => {
      entry.waiters--;
      if (entry.waiters === 0 && this.#queue.get(key) === entry) this.#queue.delete(key);
    });
    if (this.#queue.size >= this.#options.maxBatchSize) {
      this.#flush(true);
    } else if (this.#timer === undefined && this.#queue.size > 0) {
      this.#timer = setTimeout(() => this.#flush(false), this.#options.maxWaitMs);
    }
    return result;
  }

  /** Sends every full batch and, unless fullOnly (the size trigger), the remainder too. */
  #flush(fullOnly: boolean): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#queue.size >= this.#options.maxBatchSize || (!fullOnly && this.#queue.size > 0)) {
      const batch: [string, Queued][] = [];
      for (const item of this.#queue) {
        batch.push(item);
        if (batch.length === this.#options.maxBatchSize) break;
      }
      for (const [key, queued] of batch) {
        this.#queue.delete(key);
        this.#inflight.set(key, queued.promise);
      }
      void this.#dispatch(batch);
    }
    if (this.#queue.size > 0) {
      this.#timer = setTimeout(() => this.#flush(false), this.#options.maxWaitMs);
    }
  }

  async #dispatch(batch: [string, Queued][]): Promise<void> {
    try {
      const vectors = await this.#send(batch.map(([, queued]) => queued.text));
      for (const [i, [, queued]] of batch.entries()) queued.resolve(vectors[i]!);
    } catch (error) {
      for (const [, queued] of batch) queued.reject(error);
    } finally {
      for (const [key] of batch) this.#inflight.delete(key);
    }
  }
}

/** The shared promise, or the caller's abort, whichever comes first. */
function released<T>(
  shared: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => void,
): Promise<T> {
  if (signal === undefined) return shared;
  if (signal.aborted) {
    onAbort();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
