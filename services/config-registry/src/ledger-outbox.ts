import type { RegistryStore } from '@bulwark/config';
import type { Logger } from '@bulwark/kit';
import type { RegistryRecorder } from './ledger-recorder.js';

/** Most events one ledger batch carries from the outbox. */
const BATCH = 100;

/**
 * Sends the rollout engine's events (the publishes to consumers, acknowledgements, promotions
 * and reverts) from the store's outbox to the ledger, oldest first, deleting each batch once the
 * ledger accepted it. The engine writes them in the transaction of the change they record, so
 * a registry that crashes, or a ledger that is down, delays them and loses none; a rollout never
 * waits for the ledger (a revert that waited on it would be worse than a late entry). Delivery
 * is at least once: a crash between the ledger's answer and the delete sends a batch again, and
 * each entry's payload carries its `outboxId`, so a reader can tell a repeat.
 */
export class LedgerOutbox {
  readonly #store: RegistryStore;
  readonly #recorder: RegistryRecorder;
  readonly #logger: Logger;
  readonly #idleMs: number;
  readonly #maxBackoffMs: number;
  #wake: (() => void) | undefined;
  #failing = false;
  #lastError: string | undefined;

  constructor(
    store: RegistryStore,
    recorder: RegistryRecorder,
    logger: Logger,
    options: { idleMs?: number; maxBackoffMs?: number } = {},
  ) {
    this.#store = store;
    this.#recorder = recorder;
    this.#logger = logger;
    this.#idleMs = options.idleMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
  }

  /** Whether the last attempt failed, and why: for /health. */
  get failing(): { readonly failing: boolean; readonly lastError?: string } {
    return this.#lastError === undefined
      ? { failing: this.#failing }
      : { failing: this.#failing, lastError: this.#lastError };
  }

  /** Sends what is waiting now rather than at the next idle tick. */
  wake(): void {
    this.#wake?.();
  }

  /** Forwards until `signal` aborts (the kit's background task). */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = 250;
    while (!signal.aborted) {
      let sent = 0;
      try {
        sent = await this.flush();
        if (this.#failing) this.#logger.info({}, 'the ledger accepts the outbox again');
        this.#failing = false;
        this.#lastError = undefined;
        backoff = 250;
      } catch (error) {
        if (!this.#failing) {
          this.#logger.warn(
            { err: error },
            'the ledger refused the rollout events; they stay in the outbox and are sent again',
          );
        }
        this.#failing = true;
        this.#lastError = error instanceof Error ? error.message : String(error);
        await this.#sleep(backoff, signal);
        backoff = Math.min(backoff * 2, this.#maxBackoffMs);
        continue;
      }
      if (sent < BATCH) await this.#sleep(this.#idleMs, signal);
    }
  }

  /** Sends one batch; returns how many events it carried. */
  async flush(): Promise<number> {
    const pending = await this.#store.pendingEvents(BATCH);
    if (pending.length === 0) return 0;
    await this.#recorder.record(
      pending.map((event) => ({
        kind: event.kind,
        actor: event.actor,
        payload: { ...event.payload, outboxId: event.id },
      })),
    );
    await this.#store.deleteEvents(pending.map((event) => event.id));
    return pending.length;
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }
}
