import {
  type PrivateServer,
  privatePostgresPart,
  privateRedisPart,
  startPrivatePostgres,
  startPrivateRedis,
} from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedCoreApi, send, spawnCoreApi } from './fixtures/spawned-core-api.js';

// Under BULWARK_REQUIRE_SYSTEM=1 a missing server throws here: a failure, not a skip.
const redisServer = privateRedisPart();
const postgresServer = privatePostgresPart();
const WRITES = 60;

let redis: PrivateServer | undefined;
let postgres: PrivateServer | undefined;
const apis: SpawnedCoreApi[] = [];

describe.skipIf(!redisServer.available || !postgresServer.available)(
  'two core-api processes sharing one Redis cache and one PostgreSQL',
  () => {
    beforeAll(async () => {
      [redis, postgres] = await Promise.all([startPrivateRedis(), startPrivatePostgres()]);
      const env = { REDIS_URL: redis.url, DATABASE_URL: postgres.url };
      // Started together: both migrate, one at a time under the migration lock.
      apis.push(...(await Promise.all([spawnCoreApi(env), spawnCoreApi(env)])));
    }, 180_000);

    afterAll(async () => {
      for (const api of apis) api.proc.kill('SIGTERM');
      await Promise.all(apis.map((api) => api.proc.exited));
      await Promise.all([redis?.remove(), postgres?.remove()]);
    });

    it('never give B an older version than the one A acknowledged', async () => {
      const [a, b] = apis as [SpawnedCoreApi, SpawnedCoreApi];
      const created = await send(`${a.base}/v1/items`, 'POST', { name: 'v0', quantity: 0 });
      expect(created.status).toBe(201);
      const id: string = created.body.id;
      // Readers on B keep the cache filled all the while, so fills race every write.
      let stop = false;
      let backgroundReads = 0;
      const readers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const read = await send(`${b.base}/v1/items/${id}`);
          expect(read.status).toBe(200);
          backgroundReads++;
        }
      });
      const stale: string[] = [];
      try {
        for (let i = 1; i <= WRITES; i++) {
          const acked = await send(`${a.base}/v1/items/${id}`, 'PUT', {
            name: `v${i}`,
            quantity: i,
          });
          expect(acked.status).toBe(200);
          expect(acked.body.version).toBe(i + 1);
          const read = await send(`${b.base}/v1/items/${id}`);
          expect(read.status).toBe(200);
          if (read.body.version < acked.body.version)
            stale.push(`wrote version ${acked.body.version}, B answered ${read.body.version}`);
        }
      } finally {
        stop = true;
        await Promise.all(readers);
      }
      expect(stale).toEqual([]);
      expect(backgroundReads).toBeGreaterThan(WRITES);
      // The cache was really in the path: B served hits from Redis between the writes.
      const metrics = await (await fetch(`${b.base}/metrics`)).text();
      const hits = Number(
        /bulwark_cache_requests_total\{cache="items",result="hit"\} (\d+)/.exec(metrics)?.[1],
      );
      expect(hits).toBeGreaterThan(0);
    });
  },
);
