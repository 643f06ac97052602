import { type Static, Type } from '@sinclair/typebox';

/**
 * The policies around `service.http`, per upstream origin (cockatiel): a timeout per attempt,
 * retries for idempotent requests within a budget, one circuit breaker and one bulkhead per
 * origin.
 */
export const OutboundConfigSchema = Type.Object(
  {
    timeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 10_000 }),
    /**
     * Origins that keep their own policies (and metric series) at once. Past it, the least
     * recently used idle origin with a closed breaker gives its place up: a service that fetches
     * caller-chosen URLs must not grow a breaker per site forever.
     */
    maxUpstreams: Type.Integer({ minimum: 1, maximum: 100_000, default: 256 }),
    retry: Type.Object(
      {
        /** Attempts in all, the first included; 1 turns retries off. */
        maxAttempts: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
        initialDelayMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 100 }),
        maxDelayMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 2_000 }),
        /** Retries may add at most this share of the requests to an origin … */
        budgetRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
        /** … beyond this many retries a second, so a quiet client can still retry. */
        budgetMinPerSecond: Type.Integer({ minimum: 0, maximum: 10_000, default: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    breaker: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Consecutive failures (network errors, timeouts, 5xx) that open the breaker. */
        consecutiveFailures: Type.Integer({ minimum: 1, maximum: 1_000, default: 5 }),
        /** How long it stays open before one trial request (half-open). */
        halfOpenAfterMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    bulkhead: Type.Object(
      {
        /** Requests in flight to one origin. */
        maxConcurrent: Type.Integer({ minimum: 1, maximum: 100_000, default: 256 }),
        /** Requests waiting for a slot; past it, refused at once. */
        maxQueue: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1_024 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);

export type OutboundConfig = Static<typeof OutboundConfigSchema>;
