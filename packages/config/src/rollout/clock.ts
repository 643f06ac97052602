/**
 * Time as the rollout engine sees it: what time it is, and a way to be called back later. The
 * engine never reads Date.now() nor calls setTimeout itself, so a test can run a rollout's
 * deadlines and bakes in milliseconds by moving a clock (test/fixtures/manual-clock.ts) instead
 * of waiting, and one test still runs them on this real clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now; the returned function cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

/** The process's clock and timers. Timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return () => clearTimeout(timer);
  },
};
