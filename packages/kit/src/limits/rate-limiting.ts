import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type {
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { Counter } from 'prom-client';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { ConfigError } from '../errors.js';
import type { Service } from '../service.js';
import { type BucketKeyOf, bucketKeyOf } from './bucket-keys.js';
import { RateLimitRuleSchema } from './rate-limit-config.js';
import { RateLimitedError } from './rate-limit-errors.js';
import {
  CONNECT_TIMEOUT_MS,
  type RateLimitRule,
  RateLimitStore,
  type RuleLimiter,
} from './rate-limit-store.js';
import { StoreOutage } from './store-outage.js';

/** The names @fastify/rate-limit uses in its draft-spec mode (draft-ietf-httpapi-ratelimit-headers). */
export const RATE_LIMIT_HEADERS = {
  limit: 'ratelimit-limit',
  remaining: 'ratelimit-remaining',
  reset: 'ratelimit-reset',
  retryAfter: 'retry-after',
} as const;

export const RATE_LIMIT_METRICS = {
  hits: 'rate_limit_hits_total',
  storeErrors: 'rate_limit_store_errors_total',
} as const;

/** A fail-closed 503's Retry-After: about as long as the client takes to reconnect. */
const STORE_DOWN_RETRY_AFTER_SEC = 1;

const RouteRulesSchema = Type.Array(RateLimitRuleSchema, { minItems: 1, maxItems: 16 });

/** One rule as applied on one route: its limiter and how it keys a request. */
interface RuleStep {
  readonly rule: RateLimitRule;
  readonly limiter: RuleLimiter;
  readonly keyOf: BucketKeyOf;
}

type Outcome =
  | { readonly step: RuleStep; readonly res: RateLimiterRes; readonly over: boolean }
  | { readonly step: RuleStep; readonly error: unknown };

interface Limiting {
  readonly store: RateLimitStore;
  readonly outage: StoreOutage;
  readonly hits: Counter<'route' | 'rule'>;
}

/**
 * Rate limiting (rate-limiter-flexible). Nothing is installed when `rateLimit.enabled` is false.
 *
 * The limits are decided per route when the route is registered (an onRoute hook), and each
 * limited route gets its own onRequest hook, appended after every global one, so
 * authentication's has run and `request.principal` is set. Probe routes, routes with
 * `config: { rateLimit: false }` and unmatched requests get no hook at all, and no request
 * reads its route config to find out (Fastify's routeOptions getter allocates).
 *
 * Every applicable rule consumes one point; over any of them the answer is 429 with
 * Retry-After, and every answer carries the RateLimit headers of its tightest rule.
 */
export function installRateLimiting(service: Service): void {
  const config = service.config.rateLimit;
  if (!config.enabled) return;
  const registers = [service.metrics.registry];
  const hits = new Counter({
    name: RATE_LIMIT_METRICS.hits,
    help: 'Requests refused with 429, by route and by the rule that refused them.',
    labelNames: ['route', 'rule'] as const,
    registers,
  });
  const storeErrors = new Counter({
    name: RATE_LIMIT_METRICS.storeErrors,
    help: 'Requests whose rate-limit store failed or timed out, by what was done (open: let through, closed: 503).',
    labelNames: ['decision'] as const,
    registers,
  });
  const outage = new StoreOutage(config.onStoreError, storeErrors, service.logger);
  const store = new RateLimitStore(config, service.logger, (error) =>
    outage.connectionFailed(error),
  );
  service.resources.add('rate-limit-store', () => store.close());
  if (store.kind === 'redis') {
    // The first requests after a start are limited like the rest, rather than passing (or
    // being refused) while the connection is still being made.
    service.onStartup('rate-limit-store', async (signal) => {
      if (await store.whenReady(CONNECT_TIMEOUT_MS, signal)) return;
      service.logger.warn(
        { on_store_error: config.onStoreError },
        `rate-limit store not reachable at startup: starting anyway (onStoreError ${config.onStoreError})`,
      );
    });
  }
  service.addHealthReport('rateLimit', () => ({
    status: store.kind === 'redis' && store.status !== 'ready' ? 'warn' : 'pass',
    store: store.kind,
    store_status: store.status,
    on_store_error: config.onStoreError,
  }));
  const limiting: Limiting = { store, outage, hits };
  const defaultRules = config.rules;

  service.app.addHook('onRoute', (route) => {
    const routeConfig = route.config as
      | { bulwarkProbe?: boolean; rateLimit?: false | readonly RateLimitRule[] }
      | undefined;
    if (routeConfig?.bulwarkProbe === true || routeConfig?.rateLimit === false) return;
    const own = routeConfig?.rateLimit;
    if (own !== undefined && !Value.Check(RouteRulesSchema, own)) {
      throw new ConfigError(
        `route ${route.method} ${route.url}: config.rateLimit must be false or 1 to 16 rules ({ name, by, points, windowMs })`,
      );
    }
    const rules = own ?? defaultRules;
    if (rules.length === 0) return;
    const steps = rules.map((rule) => ({
      rule,
      limiter: store.limiterFor(rule),
      keyOf: bucketKeyOf(rule, route.url),
    }));
    appendOnRequest(route, limitHook(steps, route.url, limiting));
  });
}

function appendOnRequest(route: RouteOptions, hook: onRequestAsyncHookHandler): void {
  const existing = route.onRequest;
  // A new array: a route's hook list may be shared with other routes.
  route.onRequest = [...(existing === undefined ? [] : [existing].flat()), hook] as
    | onRequestAsyncHookHandler[]
    | typeof existing;
}

function limitHook(
  steps: readonly RuleStep[],
  route: string,
  limiting: Limiting,
): onRequestAsyncHookHandler {
  return async function rateLimit(request: FastifyRequest, reply: FastifyReply) {
    const outcomes = await consumeAll(steps, request);
    let refused: { step: RuleStep; res: RateLimiterRes } | undefined;
    let tightest: { step: RuleStep; res: RateLimiterRes } | undefined;
    let storeError: unknown;
    let failed = false;
    for (const outcome of outcomes) {
      if ('error' in outcome) {
        failed = true;
        storeError = outcome.error;
      } else if (outcome.over) {
        // The longest wait decides: retrying sooner would only be refused by that rule.
        if (!refused || outcome.res.msBeforeNext > refused.res.msBeforeNext) refused = outcome;
      } else if (!tightest || isTighter(outcome.res, tightest.res)) {
        tightest = outcome;
      }
    }
    // Over a limit is known even when another rule's store failed: refuse.
    if (refused) {
      limiting.hits.inc({ route, rule: refused.step.rule.name });
      const retryAfterSec = secondsUntil(refused.res.msBeforeNext);
      setRateLimitHeaders(reply, refused.step.rule.points, 0, retryAfterSec);
      reply.header(RATE_LIMIT_HEADERS.retryAfter, retryAfterSec);
      throw new RateLimitedError(retryAfterSec);
    }
    if (failed) {
      const refusal = limiting.outage.failed(storeError);
      if (refusal) {
        reply.header(RATE_LIMIT_HEADERS.retryAfter, STORE_DOWN_RETRY_AFTER_SEC);
        throw refusal;
      }
      return;
    }
    if (limiting.outage.down) limiting.outage.recovered();
    if (tightest) {
      const { step, res } = tightest;
      setRateLimitHeaders(
        reply,
        step.rule.points,
        res.remainingPoints,
        secondsUntil(res.msBeforeNext),
      );
    }
  };
}

function consumeAll(steps: readonly RuleStep[], request: FastifyRequest): Promise<Outcome[]> {
  const pending: Promise<Outcome>[] = [];
  for (const step of steps) {
    const key = step.keyOf(request);
    if (key === undefined) continue;
    pending.push(
      step.limiter.consume(key).then(
        (res): Outcome => ({ step, res, over: false }),
        // The limiter rejects with a RateLimiterRes when over the limit, with an Error when the
        // store failed or timed out.
        (reason): Outcome =>
          reason instanceof RateLimiterRes
            ? { step, res: reason, over: true }
            : { step, error: reason },
      ),
    );
  }
  return Promise.all(pending);
}

/** Fewer requests left is tighter; at a tie, the longer wait for the window to reset. */
function isTighter(a: RateLimiterRes, b: RateLimiterRes): boolean {
  return (
    a.remainingPoints < b.remainingPoints ||
    (a.remainingPoints === b.remainingPoints && a.msBeforeNext > b.msBeforeNext)
  );
}

/** Whole seconds, rounded up (a client that waits that long finds the window reset), at least 1. */
function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function setRateLimitHeaders(
  reply: FastifyReply,
  limit: number,
  remaining: number,
  resetSec: number,
): void {
  reply.header(RATE_LIMIT_HEADERS.limit, limit);
  reply.header(RATE_LIMIT_HEADERS.remaining, remaining);
  reply.header(RATE_LIMIT_HEADERS.reset, resetSec);
}
