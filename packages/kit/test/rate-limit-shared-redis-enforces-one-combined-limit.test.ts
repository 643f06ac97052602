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

const entry = fileURLToPath(new URL('./processes/rate-limited-service.ts', import.meta.url));
// Under BULWARK_REQUIRE_SYSTEM=1 a missing redis-server throws here: a failure, not a skip.
const redisServer = privateRedisPart();

let redis: PrivateServer | undefined;
const processes: SpawnedProcess[] = [];
const ports: number[] = [];

async function startReplica(name: string): Promise<number> {
  const port = await freePort();
  const proc = spawnTs(entry, {
    PORT: String(port),
    REDIS_URL: redis!.url,
    TEST_SERVICE_NAME: name,
    TEST_RL_POINTS: '20',
    TEST_RL_WINDOW_MS: '10000',
    // This test is about the shared count, not about outages: a loaded machine must not make
    // a consume time out and pass open.
    TEST_RL_STORE_TIMEOUT_MS: '5000',
  });
  processes.push(proc);
  // Generous: loading the kit through tsx takes seconds, and far longer on a busy machine.
  await proc.waitForLine((line) => line.includes('ready on http'), 150_000);
  return port;
}

async function get(port: number, path: string) {
  const response = await request(`http://127.0.0.1:${port}${path}`);
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

describe.skipIf(!redisServer.available)('rate limiting shared through Redis', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    ports.push(...(await Promise.all([startReplica('replica-a'), startReplica('replica-b')])));
  }, 180_000);

  afterAll(async () => {
    for (const proc of processes) proc.kill('SIGTERM');
    await Promise.all(processes.map((proc) => proc.exited));
    await redis?.remove();
  });

  it('two service processes on one Redis enforce one combined limit', async () => {
    for (const port of ports) {
      const health = JSON.parse((await get(port, '/health')).text);
      expect(health.rateLimit).toMatchObject({ store: 'redis', store_status: 'ready' });
    }
    // 30 requests, alternating between the replicas, all at once: exactly 20 may pass.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => get(ports[i % 2]!, '/v1/limited')),
    );
    // No consume failed (and so passed open): every answer below is the shared count's.
    const storeFailures = processes
      .flatMap((proc) => proc.lines)
      .filter((line) => line.includes('rate-limit store'));
    expect(storeFailures).toEqual([]);
    const passed = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    // Replicas keeping their own counts would have let all 30 through (15 each, under 20).
    expect(passed).toBe(20);
    expect(refused).toHaveLength(10);
    for (const answer of refused) {
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'BW_RATE_LIMITED' });
      const retryAfter = Number(answer.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(10);
      expect(answer.headers['ratelimit-limit']).toBe('20');
    }
    // And the next request on either replica is still refused: the count lives in Redis.
    for (const port of ports) expect((await get(port, '/v1/limited')).status).toBe(429);
    const metrics = await Promise.all(
      ports.map(async (port) => (await get(port, '/metrics')).text),
    );
    const hits = metrics.map((text) => {
      const match = /rate_limit_hits_total\{route="\/v1\/limited",rule="route"\} (\d+)/.exec(text);
      return Number(match?.[1] ?? 0);
    });
    expect(hits[0]! + hits[1]!).toBe(12);
  });
});
