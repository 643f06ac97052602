import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  type PrivateServer,
  privateRedisPart,
  startPrivateRedis,
} from '@bulwark/testkit';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { RATE_LIMIT_HEADERS } from '../src/limits/rate-limiting.js';
import { baseUrl, type captureLogs, testService } from './helpers.js';

// Under BULWARK_REQUIRE_SYSTEM=1 a missing redis-server throws here: a failure, not a skip.
const redisServer = privateRedisPart();

const STORE_TIMEOUT_MS = 100;
/** Generous for a loaded 2-core machine; a stalled limiter would wait seconds, or forever. */
const BOUND_MS = STORE_TIMEOUT_MS + 700;

let redis: PrivateServer | undefined;
let frozen = false;
let service: Service | undefined;
let logs: ReturnType<typeof captureLogs> | undefined;
let prefix = 0;

async function limitedService(options: {
  onStoreError: 'open' | 'closed';
  points: number;
  redisUrl?: string;
}) {
  const made = testService({
    shedding: { enabled: false },
    rateLimit: {
      enabled: true,
      redisUrl: options.redisUrl ?? redis!.url,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      onStoreError: options.onStoreError,
      // Each test counts in buckets of its own.
      keyPrefix: `outage-${++prefix}`,
      rules: [{ name: 'route', by: ['route'], points: options.points, windowMs: 60_000 }],
    },
  });
  service = made.service;
  logs = made.logs;
  service.app.get('/v1/limited', async () => ({ ok: true }));
  await service.listen();
}

async function timedGet(path = '/v1/limited') {
  const started = performance.now();
  const response = await request(`${baseUrl(service!)}${path}`);
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    ms: performance.now() - started,
  };
}

async function sequence(count: number) {
  const answers = [];
  for (let i = 0; i < count; i++) answers.push(await timedGet());
  return answers;
}

/** Every answer came within the bound; the slowest is in the message when one did not. */
function expectAllWithinBound(answers: Array<{ ms: number }>) {
  const slowest = Math.max(...answers.map((a) => a.ms));
  expect(slowest, `slowest answer took ${Math.round(slowest)} ms`).toBeLessThan(BOUND_MS);
}

/** Polls until an answer carries RateLimit headers again: the store is answering. */
async function untilLimitingResumes(timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await timedGet();
    expect(answer.ms).toBeLessThan(BOUND_MS);
    if (answer.headers[RATE_LIMIT_HEADERS.limit] !== undefined) return answer;
    await sleep(100);
  }
  throw new Error('limiting did not resume after Redis came back');
}

function storeErrors(metrics: string, decision: string): number {
  const match = new RegExp(`rate_limit_store_errors_total\\{decision="${decision}"\\} (\\d+)`).exec(
    metrics,
  );
  return Number(match?.[1] ?? Number.NaN);
}

function logLines(fragment: string) {
  return logs!.records().filter((r) => String(r.msg).includes(fragment));
}

describe.skipIf(!redisServer.available)('a rate-limit store outage never stalls a request', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });

  afterEach(async () => {
    await service?.shutdown();
    service = undefined;
    if (frozen) {
      process.kill(redis!.pid()!, 'SIGCONT');
      frozen = false;
    }
    await redis!.start();
  });

  afterAll(async () => {
    await redis?.remove();
  });

  it('fail-open: Redis stopped lets requests through within the timeout; Redis back resumes limiting', async () => {
    await limitedService({ onStoreError: 'open', points: 3 });
    const before = await sequence(2);
    expect(before.map((a) => a.status)).toEqual([200, 200]);
    expect(before[1]!.headers[RATE_LIMIT_HEADERS.remaining]).toBe('1');

    await redis!.stop();
    const during = await sequence(25);
    expect(during.map((a) => a.status)).toEqual(Array(25).fill(200));
    expectAllWithinBound(during);
    // Let through unlimited: no RateLimit headers to promise anything.
    expect(during.every((a) => a.headers[RATE_LIMIT_HEADERS.limit] === undefined)).toBe(true);
    const metrics = (await timedGet('/metrics')).text;
    expect(storeErrors(metrics, 'open')).toBe(25);
    // Warned, but not once per request.
    const warnings = logLines('rate-limit store');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(2);
    const health = JSON.parse((await timedGet('/health')).text);
    expect(health.rateLimit).toMatchObject({ status: 'warn', store: 'redis' });
    expect(health.rateLimit.store_status).not.toBe('ready');

    // Redis restarts empty: the next window starts from nothing and is enforced again.
    await redis!.start();
    const resumed = await untilLimitingResumes();
    expect(resumed.status).toBe(200);
    const after = await sequence(4);
    expect(after.map((a) => a.status)).toContain(429);
    expect(logLines('answering again')).toHaveLength(1);
  });

  it('fail-closed: Redis stopped answers 503 problem+json with Retry-After within the timeout', async () => {
    await limitedService({ onStoreError: 'closed', points: 1000 });
    expect((await timedGet()).status).toBe(200);

    await redis!.stop();
    const during = await sequence(20);
    expect(during.map((a) => a.status)).toEqual(Array(20).fill(503));
    expectAllWithinBound(during);
    for (const answer of during) {
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['retry-after']).toBe('1');
      const problem = JSON.parse(answer.text);
      expect(problem).toMatchObject({ status: 503, code: 'BW_RATE_LIMIT_UNAVAILABLE' });
      expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.text).not.toContain(redis!.url);
    }
    expect(storeErrors((await timedGet('/metrics')).text, 'closed')).toBe(20);
    // Probes do not depend on the store.
    expect((await timedGet('/live')).status).toBe(200);

    await redis!.start();
    expect((await untilLimitingResumes()).status).toBe(200);
  });

  it('Redis killed mid-run: every request still completes within the timeout', async () => {
    await limitedService({ onStoreError: 'closed', points: 100_000 });
    const answers: Array<{ status: number; ms: number }> = [];
    let running = true;
    const callers = Array.from({ length: 4 }, async () => {
      while (running) answers.push(await timedGet());
    });
    await sleep(500);
    await redis!.kill();
    await sleep(1_500);
    running = false;
    await Promise.all(callers);
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].sort()).toEqual([200, 503]);
    expectAllWithinBound(answers);
  });

  it('Redis frozen (accepts, never answers): each request waits at most the store timeout', async () => {
    await limitedService({ onStoreError: 'open', points: 3 });
    expect((await timedGet()).status).toBe(200);
    // SIGSTOP: the connection stays open and commands go unanswered, the case an offline queue
    // or a missing timeout turns into requests that hang.
    process.kill(redis!.pid()!, 'SIGSTOP');
    frozen = true;
    const during = await sequence(20);
    expect(during.map((a) => a.status)).toEqual(Array(20).fill(200));
    expectAllWithinBound(during);
    expect(storeErrors((await timedGet('/metrics')).text, 'open')).toBe(20);

    process.kill(redis!.pid()!, 'SIGCONT');
    frozen = false;
    await untilLimitingResumes();
    const after = await sequence(4);
    expect(after.map((a) => a.status)).toContain(429);
  });

  it('an address nothing listens on: the service starts, and open passes, closed refuses, at once', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    await limitedService({ onStoreError: 'open', points: 1, redisUrl: nowhere });
    expect(logLines('not reachable at startup')).toHaveLength(1);
    const open = await sequence(10);
    expect(open.map((a) => a.status)).toEqual(Array(10).fill(200));
    expectAllWithinBound(open);
    await service!.shutdown();

    await limitedService({ onStoreError: 'closed', points: 1, redisUrl: nowhere });
    const closed = await sequence(10);
    expect(closed.map((a) => a.status)).toEqual(Array(10).fill(503));
    expectAllWithinBound(closed);
  });
});
