import type { Database } from '@bulwark/db';
import type { Service } from '@bulwark/kit';
import { type PrivateServer, privateRedisPart, startPrivateRedis } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreApiSchema } from '../src/index.js';
import { CACHE, call, inProcessCoreApi, metric } from './fixtures/in-process-core-api.js';
import { sharedDatabase } from './fixtures/shared-database.js';

// Under BULWARK_REQUIRE_SYSTEM=1 a missing redis-server throws here: a failure, not a skip.
const redisServer = privateRedisPart();
let redis: PrivateServer;
let db: Database<CoreApiSchema>;
let service: Service;
let base: string;

describe.skipIf(!redisServer.available)('core-api with its cache Redis down', () => {
  beforeAll(async () => {
    [db, redis] = await Promise.all([sharedDatabase(), startPrivateRedis()]);
    ({ service, base } = await inProcessCoreApi(db, { itemCache: { redisUrl: redis.url } }));
  }, 60_000);
  afterAll(async () => {
    await service?.shutdown();
    await redis?.remove();
    await db?.close();
  });

  it('reads every item correctly from the database, counts it, and refuses writes unapplied', async () => {
    const created = (await call(`${base}/v1/items`, 'POST', { name: 'nut', quantity: 1 })).body;
    const url = `${base}/v1/items/${created.id}`;
    await call(url); // cached
    expect((await call(url, 'PUT', { name: 'nut', quantity: 2 })).status).toBe(200);
    await call(url); // cached again, at version 2
    await redis.stop();

    const errorsBefore = await metric(base, CACHE.error);
    for (let i = 0; i < 5; i++) {
      const read = await call(url);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ quantity: 2, version: 2 });
    }
    expect(await metric(base, CACHE.error)).toBe(errorsBefore + 5);
    expect(await metric(base, CACHE.lookupErrors)).toBeGreaterThanOrEqual(5);
    // A write it cannot fence in the cache is refused before it changes anything.
    const refused = await call(url, 'PUT', { name: 'nut', quantity: 3 });
    expect(refused).toMatchObject({ status: 503, body: { code: 'BW_DEPENDENCY_UNAVAILABLE' } });
    expect((await call(url)).body).toMatchObject({ quantity: 2, version: 2 });
    // Creating needs no invalidation; lists are not cached.
    expect((await call(`${base}/v1/items`, 'POST', { name: 'pin', quantity: 1 })).status).toBe(201);
    expect((await call(`${base}/v1/items`)).body.items).toHaveLength(2);
    // The cache is not critical: the service stays ready.
    expect((await call(`${base}/ready`)).status).toBe(200);

    await redis.start();
    await expect
      .poll(async () => (await call(url, 'PUT', { name: 'nut', quantity: 4 })).status, {
        timeout: 10_000,
      })
      .toBe(200);
    const hits = await metric(base, CACHE.hit);
    const fresh = await call(url);
    expect(fresh.body).toMatchObject({ quantity: 4, version: 3 });
    expect((await call(url)).body).toMatchObject({ quantity: 4, version: 3 });
    expect(await metric(base, CACHE.hit)).toBeGreaterThan(hits);
  });
});
