import { createRequire } from 'node:module';
import type { Static } from '@sinclair/typebox';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';
import type { Logger } from '../logging/logger.js';
import type { RateLimitConfigSchema, RateLimitRuleSchema } from './rate-limit-config.js';

export type RateLimitConfig = Static<typeof RateLimitConfigSchema>;
export type RateLimitRule = Static<typeof RateLimitRuleSchema>;

/**
 * ioredis is loaded only by a store that uses Redis: imported eagerly it cost every importer of
 * the kit (the CLI, the verifier, services limiting in memory) tens of milliseconds. `require`
 * keeps the constructor synchronous; ioredis is CommonJS, so this is the module `import` gives.
 */
const requireOnUse = createRequire(import.meta.url);

/** What a rule consumes from: resolves when allowed, rejects with a RateLimiterRes when over. */
export interface RuleLimiter {
  consume(key: string): Promise<RateLimiterRes>;
}

/** Reconnect backoff cap: short, so limiting resumes within a second or so of Redis coming back. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** A TCP (and TLS) connect that takes longer is abandoned and retried. */
export const CONNECT_TIMEOUT_MS = 2_000;

/**
 * The buckets every rule consumes from: one in-process RateLimiterMemory per rule, or, with
 * `redisUrl`, one RateLimiterRedis per rule sharing one ioredis client, so replicas enforce one
 * combined limit.
 *
 * Redis is set up so that an outage can never stall a request (the failure of
 * @fastify/rate-limit#84, where commands queued behind a dead connection):
 * - no offline queue, and `rejectIfRedisNotReady`: while disconnected a consume fails at once;
 * - `maxRetriesPerRequest: 0`: a command in flight when the connection drops fails, it is not
 *   kept for a resend after reconnecting;
 * - `commandTimeout` and `socketTimeout`: a server that accepts but does not answer (frozen,
 *   partitioned) fails the command, then the socket, which turns the client not-ready so later
 *   consumes fail at once instead of each waiting out the timeout;
 * - every consume is raced against `storeTimeoutMs` (rate-limiter-flexible's RLWrapperTimeouts):
 *   whatever ioredis does, no request waits longer than that for the limiter.
 *
 * rate-limiter-flexible's insuranceLimiter (an in-memory limiter taking over while the store
 * fails) is deliberately not used: it is a third behaviour, per-process limits, that neither
 * `onStoreError: 'open'` (let requests through) nor 'closed' (answer 503) describes, and it
 * would hide the outage from `rate_limit_store_errors_total`. The caller sees every store
 * failure as a rejected Error and applies the configured choice.
 */
export class RateLimitStore {
  readonly kind: 'memory' | 'redis';
  readonly #config: RateLimitConfig;
  readonly #logger: Logger;
  readonly #redis: Redis | undefined;
  readonly #limiters = new Map<string, RuleLimiter>();

  constructor(config: RateLimitConfig, logger: Logger, onConnectionError: (error: Error) => void) {
    this.#config = config;
    this.#logger = logger;
    this.kind = config.redisUrl ? 'redis' : 'memory';
    if (config.redisUrl) {
      const socketTimeout = Math.max(1_000, config.storeTimeoutMs * 5);
      const { Redis } = requireOnUse('ioredis') as typeof import('ioredis');
      this.#redis = new Redis(config.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        connectTimeout: CONNECT_TIMEOUT_MS,
        commandTimeout: config.storeTimeoutMs,
        socketTimeout,
        retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), MAX_RECONNECT_DELAY_MS),
        connectionName: 'bulwark-rate-limit',
      });
      // Without a listener ioredis prints every failed reconnect to the console.
      this.#redis.on('error', onConnectionError);
    }
  }

  /** ioredis' connection status ('ready' when usable); 'memory' for the in-process store. */
  get status(): string {
    return this.#redis?.status ?? 'memory';
  }

  /**
   * Resolves true once the Redis connection is usable, false if it is not within `timeoutMs`
   * (or the signal aborts); true at once for the in-process store. Never rejects: a store that
   * is down at startup is the configured open/closed case, not a reason to refuse to start.
   */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const redis = this.#redis;
    if (!redis || redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (ready: boolean) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        signal?.removeEventListener('abort', onAbort);
        resolve(ready);
      };
      const onReady = () => settle(true);
      const onAbort = () => settle(false);
      const timer = setTimeout(onAbort, timeoutMs);
      redis.once('ready', onReady);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** One limiter per distinct rule (name, points, window); routes with the same rule share it. */
  limiterFor(rule: RateLimitRule): RuleLimiter {
    const id = `${rule.name}:${rule.points}:${rule.windowMs}`;
    let limiter = this.#limiters.get(id);
    if (!limiter) {
      limiter = this.#create(rule, id);
      this.#limiters.set(id, limiter);
    }
    return limiter;
  }

  #create(rule: RateLimitRule, id: string): RuleLimiter {
    // Points and window are in the prefix: a rule whose limits change starts fresh buckets
    // instead of reading counts made under other limits.
    const keyPrefix = `${this.#config.keyPrefix}:${id}`;
    if (!this.#redis) {
      return new RateLimiterMemory({
        keyPrefix,
        points: rule.points,
        duration: rule.windowMs / 1000,
      });
    }
    // rate-limiter-flexible's Redis script expires keys in whole seconds (EX floor(duration)),
    // and a window under a second would never expire: the window is rounded up, never down, so
    // a shared limit is never looser than configured.
    const duration = Math.ceil(rule.windowMs / 1000);
    if (duration * 1000 !== rule.windowMs) {
      this.#logger.warn(
        { rule: rule.name, window_ms: rule.windowMs, redis_window_ms: duration * 1000 },
        `rate-limit rule ${rule.name}: Redis windows are whole seconds; using ${duration} s`,
      );
    }
    const limiter = new RateLimiterRedis({
      storeClient: this.#redis,
      keyPrefix,
      points: rule.points,
      duration,
      rejectIfRedisNotReady: true,
      // A key over its limit is refused from memory until its window ends: a client hammering
      // past its limit costs no Redis round trips (the count in Redis is already over).
      inMemoryBlockOnConsumed: rule.points + 1,
    });
    return new RLWrapperTimeouts({ limiter, timeoutMs: this.#config.storeTimeoutMs });
  }

  /** Closes the Redis connection without waiting on a server that may be gone. */
  close(): void {
    this.#redis?.disconnect();
  }
}
