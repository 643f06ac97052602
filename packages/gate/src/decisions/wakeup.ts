/**
 * A level-triggered wake-up: notify() before wait() is not lost. The shipper calls wait() after
 * finding nothing to send; a record that became durable in between has already set the flag.
 */
export class Wakeup {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    this.#wake?.();
  }

  /** Resolves on the next notify() (at once if one came since the last wait), or on abort. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#pending || signal.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#wake = undefined;
        this.#pending = false;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
