/**
 * How far retries to one origin may go: within any WINDOW_SECONDS,
 *
 *   retries ≤ ratio × requests + minPerSecond × WINDOW_SECONDS
 *
 * Per-call retry limits (maxAttempts) do not protect an upstream that is down: every caller
 * multiplies its load by maxAttempts exactly when it can least take it. A budget caps the extra
 * load at a share of the real traffic (20 % by default), plus a small floor so a quiet client
 * can still retry a one-off failure. cockatiel has no budget, so this is written here; it
 * follows Finagle's RetryBudget (a ten-second window, a deposit per request, a floor per second).
 *
 * The window is a ring of one-second slots, so recording a request is one array write and only
 * a retry (rare) sums the ring.
 */
const WINDOW_SECONDS = 10;

export class RetryBudget {
  readonly #ratio: number;
  readonly #floor: number;
  readonly #second = new Float64Array(WINDOW_SECONDS).fill(-1);
  readonly #requests = new Uint32Array(WINDOW_SECONDS);
  readonly #retries = new Uint32Array(WINDOW_SECONDS);

  constructor(ratio: number, minPerSecond: number) {
    this.#ratio = ratio;
    this.#floor = minPerSecond * WINDOW_SECONDS;
  }

  /** Every call to the origin (first attempts only) earns the share of a retry. */
  recordRequest(now = Date.now()): void {
    const slot = this.#slot(now);
    this.#requests[slot] = (this.#requests[slot] as number) + 1;
  }

  /** Takes one retry from the budget; false (and nothing taken) when it is spent. */
  tryRetry(now = Date.now()): boolean {
    const current = this.#slot(now);
    const oldest = Math.floor(now / 1000) - WINDOW_SECONDS;
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if ((this.#second[i] as number) > oldest) {
        requests += this.#requests[i] as number;
        retries += this.#retries[i] as number;
      }
    }
    if (retries + 1 > this.#ratio * requests + this.#floor) return false;
    this.#retries[current] = (this.#retries[current] as number) + 1;
    return true;
  }

  /** The slot of `now`'s second, emptied first when it last held an older second. */
  #slot(now: number): number {
    const second = Math.floor(now / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.#second[slot] !== second) {
      this.#second[slot] = second;
      this.#requests[slot] = 0;
      this.#retries[slot] = 0;
    }
    return slot;
  }
}
