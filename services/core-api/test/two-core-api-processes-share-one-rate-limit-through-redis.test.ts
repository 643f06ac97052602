import { fileURLToPath } from 'node:url';
import {
  freePort,
  type PrivateServer,
  privateRedisPart,
  type SpawnedProcess,
  spawnTs,
  startPrivateRedis,
} from '@bulwark/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Under BULWARK_REQUIRE_SYSTEM=1 a missing redis-server throws here: a failure, not a skip.
const redisServer = privateRedisPart();
const STORE_TIMEOUT_MS = 1_000;

let redis: PrivateServer | undefined;
const processes: SpawnedProcess[] = [];

/** core-api as `npm start` runs it, with rate limits shared through REDIS_URL. */
async function startCoreApi(onStoreError: 'open' | 'closed'): Promise<number> {
  const port = await freePort();
  const proc = spawnTs(entry, {
    PORT: String(port),
    REDIS_URL: redis!.url,
    BULWARK_RATE_LIMIT: 'true',
    BULWARK_RATE_LIMIT_RULES: 'route=route:20/10s',
    BULWARK_RATE_LIMIT_ON_STORE_ERROR: onStoreError,
    BULWARK_RATE_LIMIT_STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
    BULWARK_SHEDDING: 'false',
    BULWARK_AUTH: 'off',
    // Items are not what this test is about: each process keeps its own in memory.
    DATABASE_URL: 'memory://',
  });
  processes.push(proc);
  // Loading the stack through tsx takes seconds, and far longer on a busy machine.
  await proc.waitForLine((line) => line.includes('ready on http'), 150_000);
  return port;
}

async function list(port: number, path = '/v1/items') {
  const started = performance.now();
  const response = await request(`http://127.0.0.1:${port}${path}`);
  const body = await response.body.text();
  return {
    status: response.statusCode,
    retryAfter: response.headers['retry-after'],
    code: response.statusCode >= 400 ? (JSON.parse(body) as { code: string }).code : undefined,
    ms: performance.now() - started,
  };
}

let closed: number;
let open: number;

describe.skipIf(!redisServer.available)('two core-api processes on one Redis', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    [closed, open] = await Promise.all([startCoreApi('closed'), startCoreApi('open')]);
  }, 180_000);

  afterAll(async () => {
    for (const proc of processes) proc.kill('SIGTERM');
    await Promise.all(processes.map((proc) => proc.exited));
    await redis?.remove();
  });

  it('enforce one combined limit', async () => {
    // 30 requests, alternating between the two, at once: 20 pass, whichever process they hit.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => list(i % 2 === 0 ? closed : open)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(20);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(10);
    for (const answer of refused) {
      expect(answer.code).toBe('BW_RATE_LIMITED');
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
  });

  it('with Redis stopped, fail closed and fail open each hold, and nothing waits past the store timeout', async () => {
    await redis!.stop();
    // Another route, so another bucket: the first test's is over its limit, and a process
    // refuses a bucket it knows is full without asking the store.
    const item = '/v1/items/00000000-0000-4000-8000-000000000000';
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => list(i % 2 === 0 ? closed : open, item)),
    );
    const fromClosed = answers.filter((_, i) => i % 2 === 0);
    const fromOpen = answers.filter((_, i) => i % 2 === 1);
    for (const answer of fromClosed) {
      expect(answer).toMatchObject({ status: 503, code: 'BW_RATE_LIMIT_UNAVAILABLE' });
      expect(answer.retryAfter).toBeDefined();
    }
    // Let through: the route answers for itself (no such item).
    for (const answer of fromOpen)
      expect(answer).toMatchObject({ status: 404, code: 'BW_NOT_FOUND' });
    // The store timeout plus a generous margin for a loaded machine: a stalled limiter would
    // hold each request until the client gave up.
    for (const answer of answers) expect(answer.ms).toBeLessThan(STORE_TIMEOUT_MS + 1_500);
    await redis!.start();
  });
});
