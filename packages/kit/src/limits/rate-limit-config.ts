import { Type } from '@sinclair/typebox';

/** What a bucket is keyed by. `subject` falls back to the client address when anonymous. */
export const RATE_LIMIT_KEYS = ['route', 'subject', 'org', 'ip'] as const;

export const RateLimitRuleSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' }),
    by: Type.Array(Type.Union(RATE_LIMIT_KEYS.map((k) => Type.Literal(k))), {
      minItems: 1,
      uniqueItems: true,
    }),
    /** Requests one key may make per window. */
    points: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    /** The fixed window. With Redis, rounded up to whole seconds (its keys expire in seconds). */
    windowMs: Type.Integer({ minimum: 100, maximum: 86_400_000 }),
  },
  { additionalProperties: false },
);

/**
 * Rate limiting (rate-limiter-flexible): every rule a request falls under consumes a point; a
 * rule over its limit answers 429 with Retry-After and RateLimit headers. A route takes
 * its own rules (`config: { rateLimit: [...] }`) or opts out (`config: { rateLimit: false }`).
 */
export const RateLimitConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    rules: Type.Array(RateLimitRuleSchema, {
      maxItems: 16,
      default: [{ name: 'subject', by: ['route', 'subject'], points: 100, windowMs: 1_000 }],
    }),
    /** Shared buckets across replicas; in-memory per process when unset. */
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    /** A store slower than this counts as down: no request waits longer for the limiter. */
    storeTimeoutMs: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
    /** While the store is down: let requests through (open) or answer 503 (closed). */
    onStoreError: Type.Union([Type.Literal('open'), Type.Literal('closed')], { default: 'open' }),
    keyPrefix: Type.String({ pattern: '^[A-Za-z0-9:._-]{1,64}$', default: 'bulwark-rl' }),
  },
  { default: {}, additionalProperties: false },
);

/** A route's own rules (`config: { rateLimit: [...] }`), or false to skip rate limiting. */
export type RouteRateLimit =
  | false
  | ReadonlyArray<import('@sinclair/typebox').Static<typeof RateLimitRuleSchema>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimit;
  }
}
