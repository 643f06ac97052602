import type { Unsubscribe } from './transport.js';

/**
 * A transport's live subscriptions, so close() can stop them all and wait for their handlers.
 * Each stop runs once, whether the subscriber or close() asks first.
 */
export class Subscriptions {
  readonly #stops = new Set<() => Promise<void>>();

  /** Registers a subscription's stop; the returned Unsubscribe runs it once. */
  add(stop: () => Promise<void>): Unsubscribe {
    let stopping: Promise<void> | undefined;
    const once = () => {
      stopping ??= (async () => {
        this.#stops.delete(once);
        await stop();
      })();
      return stopping;
    };
    this.#stops.add(once);
    return once;
  }

  /** Stops every subscription; resolves when no handler runs any more. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#stops].map((stop) => stop()));
  }
}

/** A promise with its resolve function outside, for "the first message was handled". */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The default reporter: a process warning (the consumer passes its logger instead). */
export function warnProcess(error: unknown, context: string): void {
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(`${context}: ${message}`, 'ConfigTransportWarning');
}
