import type { Counter } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import { RateLimitStoreUnavailableError } from './rate-limit-errors.js';

/** At most one warning per this interval while the store fails, however many requests do. */
export const STORE_WARNING_INTERVAL_MS = 10_000;

/**
 * What a request does when the rate-limit store fails or times out: 'open' lets it through,
 * 'closed' refuses it with 503. Every such request is counted
 * (`rate_limit_store_errors_total{decision}`); the log gets one warning per interval with the
 * number of failures since the last one, so an outage cannot flood it, and one line when the
 * store answers again.
 */
export class StoreOutage {
  readonly #decision: 'open' | 'closed';
  readonly #counter: Counter<'decision'>;
  readonly #logger: Logger;
  #down = false;
  #lastWarnedAt = Number.NEGATIVE_INFINITY;
  #failuresSinceWarning = 0;
  #failuresInOutage = 0;

  constructor(decision: 'open' | 'closed', counter: Counter<'decision'>, logger: Logger) {
    this.#decision = decision;
    this.#counter = counter;
    this.#logger = logger;
    // Present from the start, so a dashboard shows 0 rather than no series.
    counter.inc({ decision }, 0);
  }

  /** True from the first failure until a consume succeeds again: one check per request. */
  get down(): boolean {
    return this.#down;
  }

  /** A consume failed: the error to answer with ('closed'), or undefined to let it through. */
  failed(error: unknown): RateLimitStoreUnavailableError | undefined {
    this.#counter.inc({ decision: this.#decision });
    this.#noteFailure(error, 'rate-limit store failed');
    return this.#decision === 'closed' ? new RateLimitStoreUnavailableError() : undefined;
  }

  /** The connection itself failed (ioredis' error event): logged, not counted as a request. */
  connectionFailed(error: unknown): void {
    this.#noteFailure(error, 'rate-limit store connection failed');
  }

  recovered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#logger.info(
      { failures: this.#failuresInOutage },
      'rate-limit store answering again: limits are enforced',
    );
    this.#failuresSinceWarning = 0;
    this.#failuresInOutage = 0;
    this.#lastWarnedAt = Number.NEGATIVE_INFINITY;
  }

  #noteFailure(error: unknown, what: string): void {
    this.#down = true;
    this.#failuresSinceWarning += 1;
    this.#failuresInOutage += 1;
    const now = performance.now();
    if (now - this.#lastWarnedAt < STORE_WARNING_INTERVAL_MS) return;
    this.#lastWarnedAt = now;
    const effect =
      this.#decision === 'open'
        ? 'requests pass unlimited (onStoreError open)'
        : 'requests are refused with 503 (onStoreError closed)';
    this.#logger.warn(
      {
        cause: error instanceof Error ? error.message : String(error),
        failures: this.#failuresSinceWarning,
        decision: this.#decision,
      },
      `${what}: ${effect}`,
    );
    this.#failuresSinceWarning = 0;
  }
}
