import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import type { OutboundConfig } from './outbound-config.js';
import { UpstreamBusyError, UpstreamCircuitOpenError } from './outbound-errors.js';
import type { BreakerStateName, BreakerView, OutboundMetrics } from './outbound-metrics.js';
import { RetryBudget } from './retry-budget.js';
import type { Evictable } from './upstream-table.js';

/** The part of a response the breaker judges. */
export interface StatusBearing {
  readonly statusCode: number;
}

/** Attempt errors the caller of execute() judged to be the upstream's failure. */
const countedFailures = new WeakSet<object>();

/** Marks an attempt's error as the upstream's failure, for the breaker and the retry. */
export function markUpstreamFailure(error: unknown): void {
  if (typeof error === 'object' && error !== null) countedFailures.add(error);
}

export function isMarkedUpstreamFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && countedFailures.has(error);
}

const STATE_NAME: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/**
 * The policies of one upstream origin (cockatiel): a bulkhead around a circuit breaker, and the
 * origin's retry budget. The bulkhead is outside, so a call refused for want of a slot never
 * reaches the breaker (it is no sign of the upstream's health); an open breaker's refusal holds
 * a slot for that instant only.
 *
 * The breaker counts the upstream's failures only: errors marked with markUpstreamFailure
 * (network errors, timeouts) and 5xx answers, which it still returns to the caller. Anything
 * else it lets through uncounted. One cockatiel quirk remains: an uncounted error thrown by the
 * half-open trial (a caller's abort) closes the breaker, as cockatiel treats it as a success.
 */
export class UpstreamPolicy implements Evictable {
  lastUsed = 0;
  readonly upstream: string;
  readonly budget: RetryBudget;
  readonly #bulkhead: BulkheadPolicy;
  readonly #breaker: CircuitBreakerPolicy | undefined;
  readonly #failures: ConsecutiveBreaker | undefined;
  readonly #halfOpenAfterMs: number;
  readonly #metrics: OutboundMetrics | undefined;
  #enteredAt = Date.now();
  #inFlight = 0;

  constructor(upstream: string, config: OutboundConfig, metrics: OutboundMetrics | undefined) {
    this.upstream = upstream;
    this.#metrics = metrics;
    this.budget = new RetryBudget(config.retry.budgetRatio, config.retry.budgetMinPerSecond);
    this.#bulkhead = bulkhead(config.bulkhead.maxConcurrent, config.bulkhead.maxQueue);
    this.#halfOpenAfterMs = config.breaker.halfOpenAfterMs;
    if (config.breaker.enabled) {
      this.#failures = new ConsecutiveBreaker(config.breaker.consecutiveFailures);
      this.#breaker = circuitBreaker(
        handleWhen(isMarkedUpstreamFailure).orWhenResult(
          (result) => (result as StatusBearing).statusCode >= 500,
        ),
        { breaker: this.#failures, halfOpenAfter: config.breaker.halfOpenAfterMs },
      );
      this.#breaker.onStateChange((state) => {
        this.#enteredAt = Date.now();
        metrics?.transition(upstream, STATE_NAME[state]);
      });
    }
  }

  /** Nothing in flight and the breaker closed: nothing is lost by forgetting this origin. */
  get idle(): boolean {
    return (
      this.#inFlight === 0 &&
      (this.#breaker === undefined || this.#breaker.state === CircuitState.Closed)
    );
  }

  /**
   * Runs one attempt through the bulkhead and the breaker. Refusals become typed errors: an
   * open breaker UpstreamCircuitOpenError, a full bulkhead UpstreamBusyError. An attempt whose
   * deadline passed (or whose caller left) while it queued is not sent: it fails with the
   * deadline's reason, as undici would have, uncounted.
   */
  async execute<R extends StatusBearing>(
    attempt: () => Promise<R>,
    deadline: { readonly aborted: boolean; readonly reason: unknown },
  ): Promise<R> {
    this.#inFlight++;
    try {
      const breaker = this.#breaker;
      return await this.#bulkhead.execute(() => {
        if (deadline.aborted) throw deadline.reason;
        return breaker ? breaker.execute(attempt) : attempt();
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new UpstreamCircuitOpenError(this.upstream);
      if (error instanceof BulkheadRejectedError) {
        this.#metrics?.bulkheadRejected(this.upstream);
        throw new UpstreamBusyError(this.upstream);
      }
      throw error;
    } finally {
      this.#inFlight--;
    }
  }

  /**
   * The breaker as an operator needs it. Open past halfOpenAfterMs shows as half-open: the next
   * call is the trial (cockatiel moves to HalfOpen only when that call arrives).
   */
  view(now = Date.now()): BreakerView | undefined {
    const breaker = this.#breaker;
    if (breaker === undefined || this.#failures === undefined) return undefined;
    let state = STATE_NAME[breaker.state];
    let since = this.#enteredAt;
    if (state === 'open' && now - since >= this.#halfOpenAfterMs) {
      state = 'half-open';
      since += this.#halfOpenAfterMs;
    }
    return {
      upstream: this.upstream,
      state,
      since: new Date(since).toISOString(),
      failures: this.#failures.state,
    };
  }
}
