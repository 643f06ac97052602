/**
 * The last `capacity` numbers (a ring), for percentiles over recent behaviour in bounded memory.
 * Nearest-rank percentiles on a sorted copy: at the canary's window (thousands) a sort per report
 * costs well under a millisecond, and the figures are exact, which a sketch's are not.
 */
export class RecentWindow {
  readonly #values: Float64Array;
  #next = 0;
  #count = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** Nearest rank: the smallest value with at least p of the values at or below it. */
  percentile(p: number): number | null {
    if (this.#count === 0) return null;
    const sorted = this.#values.slice(0, this.#count).sort();
    const rank = Math.max(1, Math.ceil(p * this.#count));
    return sorted[rank - 1]!;
  }
}
