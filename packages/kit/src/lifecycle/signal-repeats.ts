/*
 * Dependency-free (exported as `@bulwark/kit/signal-repeats`), so the CLI's `up` applies the same
 * rule to its own Ctrl-C without loading the kit.
 */

/**
 * How close behind the last counted signal a repeat must arrive to be taken for a forwarded
 * copy of it rather than a second keypress.
 *
 * Why a time window: a terminal sends Ctrl-C's SIGINT to its whole foreground process group, and
 * launchers in that group (`npx`, `npm run`, `npm start`) forward the SIGINT they received to
 * their child as well, so the child gets the same keypress twice. The copy is forwarded from the
 * launcher's event loop as soon as it runs, within a few milliseconds (tens on a loaded
 * machine); a person who presses Ctrl-C again because shutdown seems slow does so after reading
 * the screen, well over half a second later. 500 ms sits between the two with room on both
 * sides. A repeat inside the window is ignored, not lost: pressing again after it counts.
 */
export const SIGNAL_REPEAT_WINDOW_MS = 500;

/**
 * Tells a deliberate repeat of a signal from a forwarded duplicate of one already counted. Each
 * signal is compared with the last one of the same name that was counted, so a duplicate never
 * moves the window along (a person pressing every 300 ms still gets through on the second
 * press after the first).
 */
export class SignalRepeats {
  readonly #lastCounted = new Map<string, number>();
  readonly #windowMs: number;

  constructor(windowMs = SIGNAL_REPEAT_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /**
   * Records `signal` received at `now` (ms, monotonic) and says whether it counts: false when it
   * arrives within the window after the last counted signal of the same name.
   */
  counts(signal: string, now: number = performance.now()): boolean {
    const last = this.#lastCounted.get(signal);
    if (last !== undefined && now - last < this.#windowMs) return false;
    this.#lastCounted.set(signal, now);
    return true;
  }
}
