import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import type { HealthReport } from '../probes/types.js';
import { AttemptDeadline } from './attempt-deadline.js';
import type { OutboundConfig } from './outbound-config.js';
import { type BreakerView, OutboundMetrics } from './outbound-metrics.js';
import { retryAfterMs, retryDelayMs } from './retry-delay.js';
import {
  isMarkedUpstreamFailure,
  markUpstreamFailure,
  type StatusBearing,
  UpstreamPolicy,
} from './upstream-policy.js';
import { UpstreamTable } from './upstream-table.js';
import { isUpstreamFailure } from './wire-errors.js';

/** What the retry loop needs of an attempt's response. */
export interface AttemptResponse extends StatusBearing {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { dump(): Promise<void> };
}

/**
 * Sends the request once under `deadline` (its abort signal, which the attempt ends when the
 * response body is done); `resend` is how many attempts came before.
 */
export type Attempt<R extends AttemptResponse> = (
  resend: number,
  deadline: AttemptDeadline,
) => Promise<R>;

export interface OutboundCall {
  /** The origin as scheme://host:port: the key of the policies and the metrics label. */
  readonly upstream: string;
  /** Whether a failed attempt may be sent again (see isRetryableRequest). */
  readonly retryable: boolean;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

// RFC 9110 §9.2.2's idempotent methods, TRACE aside (nobody should send it).
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
// The answers that say "not now" rather than "no": a gateway or the server itself overloaded.
const RETRIED_STATUSES = new Set([502, 503, 504]);

/**
 * Retrying resends the request, so only a request that is safe to receive twice is retried:
 * an idempotent method, or one carrying an Idempotency-Key the upstream deduplicates on.
 */
export function isRetryableRequest(
  method: string,
  idempotencyKey: string | undefined,
  retry: boolean | undefined,
): boolean {
  if (retry === false) return false;
  return idempotencyKey !== undefined || IDEMPOTENT_METHODS.has(method);
}

/**
 * The policies of a client, one set per upstream origin, made lazily and kept in a bounded
 * table. A call goes:
 *
 *   retry loop (here: backoff with full jitter, Retry-After, the origin's retry budget)
 *     → per attempt: timeout → bulkhead → circuit breaker (upstream-policy.ts) → the attempt
 *
 * The retry loop is written here rather than taken from cockatiel's RetryPolicy, which cannot
 * refuse a single retry for a reason outside the failure (the spent budget, a Retry-After past
 * maxDelayMs: it only asks its shared filter about the failure), and which sleeps its backoff
 * on a timer the caller's AbortSignal does not cut short. Its delays come from cockatiel's
 * full-jitter generator (retry-delay.ts).
 *
 * The timeout is an AttemptDeadline per attempt, not cockatiel's TimeoutPolicy: the response
 * body is read after the attempt returns, and the timeout must keep covering it (the client's
 * timeoutMs has always bounded headers and body); TimeoutPolicy clears its timer, or aborts its
 * signal, when the function returns.
 */
export class OutboundPolicies {
  readonly #retry: OutboundConfig['retry'];
  readonly #table: UpstreamTable<UpstreamPolicy>;
  readonly #metrics: OutboundMetrics | undefined;
  readonly #unwatch: (() => void) | undefined;

  constructor(config: OutboundConfig, registry?: Registry) {
    this.#retry = config.retry;
    const metrics = registry ? OutboundMetrics.on(registry) : undefined;
    this.#metrics = metrics;
    this.#table = new UpstreamTable(
      config.maxUpstreams,
      (upstream) => new UpstreamPolicy(upstream, config, metrics),
      (upstream) => metrics?.forget(upstream),
    );
    this.#unwatch = metrics?.watch(() => this.#views());
  }

  async send<R extends AttemptResponse>(call: OutboundCall, attempt: Attempt<R>): Promise<R> {
    const policy = this.#table.get(call.upstream);
    policy.budget.recordRequest();
    const maxAttempts = call.retryable ? this.#retry.maxAttempts : 1;
    for (let resend = 0; ; resend++) {
      const deadline = new AttemptDeadline(call.timeoutMs, call.signal);
      const last = resend + 1 >= maxAttempts;
      let response: R;
      try {
        response = await policy.execute(async () => {
          // Its time ran out while it waited on the half-open trial: not sent, not counted.
          if (deadline.aborted) throw deadline.reason;
          try {
            return await attempt(resend, deadline);
          } catch (error) {
            if (isUpstreamFailure(error, deadline.timedOut, call.signal)) {
              markUpstreamFailure(error);
            }
            throw error;
          }
        }, deadline);
      } catch (error) {
        deadline.end();
        if (last || !isMarkedUpstreamFailure(error) || !this.#mayRetry(policy)) throw error;
        await this.#backoff(retryDelayMs(resend, this.#retry), call.signal);
        continue;
      }
      if (last || !RETRIED_STATUSES.has(response.statusCode)) return response;
      let delay = retryDelayMs(resend, this.#retry);
      if (response.statusCode === 503) {
        const asked = retryAfterMs(response.headers['retry-after']);
        // Retrying sooner than the upstream asked only adds to its load: the caller gets the 503.
        if (asked !== undefined && asked > this.#retry.maxDelayMs) return response;
        if (asked !== undefined) delay = asked;
      }
      if (!this.#mayRetry(policy)) return response;
      // The answer is discarded: drain it so the connection can be reused (undici destroys the
      // socket past its dump limit).
      response.body.dump().catch(() => undefined);
      await this.#backoff(delay, call.signal);
    }
  }

  /** The breakers for /health: warn while any is open or half-open. */
  health(): HealthReport {
    const breakers = this.#views();
    return {
      status: breakers.some((breaker) => breaker.state !== 'closed') ? 'warn' : 'pass',
      breakers,
    };
  }

  /** How many origins have policies now (at most outbound.maxUpstreams). */
  get upstreams(): number {
    return this.#table.size;
  }

  close(): void {
    this.#unwatch?.();
  }

  #mayRetry(policy: UpstreamPolicy): boolean {
    if (!policy.budget.tryRetry()) {
      this.#metrics?.budgetExhausted(policy.upstream);
      return false;
    }
    this.#metrics?.retried(policy.upstream);
    return true;
  }

  /** The backoff wait; the caller's abort ends it at once, with the caller's reason. */
  async #backoff(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(delayMs, undefined, signal ? { signal } : undefined);
    } catch (error) {
      throw signal?.aborted ? signal.reason : error;
    }
  }

  #views(): BreakerView[] {
    const now = Date.now();
    const views: BreakerView[] = [];
    for (const policy of this.#table.values()) {
      const view = policy.view(now);
      if (view !== undefined) views.push(view);
    }
    return views;
  }
}
