import { EventEmitter } from 'node:events';

/**
 * One attempt's abort signal, handed to undici: it fires when the attempt's time is up (with
 * the TimeoutError AbortSignal.timeout would give) or when the caller's own signal fires (with
 * the caller's reason), whichever comes first. The time covers the headers and the body: the
 * clock stops when the body stream closes (read, dumped or destroyed) or the attempt fails.
 *
 * An EventEmitter rather than AbortSignal.timeout + AbortSignal.any, which undici accepts just
 * as well (RequestOptions.signal: AbortSignal | EventEmitter): on Node 20 each AbortSignal
 * costs several microseconds of CPU to make and collect, and AbortSignal.timeout more (about 20
 * µs, overhead-bench.ts), more than the breaker, bulkhead and budget together; and its timer
 * lives on for the whole timeout after the call is done.
 */
export class AttemptDeadline extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  /** The time ran out (as opposed to the caller aborting). */
  timedOut = false;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort: (() => void) | undefined;

  constructor(timeoutMs: number, caller: AbortSignal | undefined) {
    super();
    if (caller?.aborted) {
      this.aborted = true;
      this.reason = caller.reason;
      return;
    }
    // Unreferenced like AbortSignal.timeout's: a pending call's socket keeps the process up.
    this.#timer = setTimeout(() => this.#expire(), timeoutMs).unref();
    if (caller !== undefined) {
      this.#caller = caller;
      this.#onCallerAbort = () => this.#abort(caller.reason);
      caller.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
  }

  /** The attempt is over: stop the clock and stop listening to the caller. */
  readonly end = (): void => {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort !== undefined) {
      this.#caller?.removeEventListener('abort', this.#onCallerAbort);
    }
  };

  #expire(): void {
    this.timedOut = true;
    this.#abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }

  #abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.end();
    this.emit('abort');
  }
}
