import type { Database } from '@bulwark/db';
import type { Service } from '@bulwark/kit';
import { type PrivateServer, privateRedisPart, startPrivateRedis } from '@bulwark/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CoreApiSchema } from '../src/index.js';
import { CACHE, call, inProcessCoreApi, metric } from './fixtures/in-process-core-api.js';
import { sharedDatabase } from './fixtures/shared-database.js';

const redisServer = privateRedisPart();
let redis: PrivateServer | undefined;
let db: Database<CoreApiSchema>;
const running: Service[] = [];

beforeAll(async () => {
  db = await sharedDatabase();
  if (redisServer.available) redis = await startPrivateRedis();
}, 60_000);
afterEach(async () => {
  for (const service of running.splice(0)) await service.shutdown();
});
afterAll(async () => {
  await redis?.remove();
  await db?.close();
});

describe.each([
  { cache: 'in memory', redisUrl: () => undefined, skip: false },
  { cache: 'in Redis', redisUrl: () => redis?.url, skip: !redisServer.available },
])('the item cache $cache', ({ redisUrl, skip }) => {
  it.skipIf(skip)('counts a miss, then hits, and an invalidation per write', async () => {
    const { service, base } = await inProcessCoreApi(db, { itemCache: { redisUrl: redisUrl() } });
    running.push(service);
    const before = {
      hit: await metric(base, CACHE.hit),
      miss: await metric(base, CACHE.miss),
      invalidations: await metric(base, CACHE.invalidations),
    };
    expect(before).toEqual({ hit: 0, miss: 0, invalidations: 0 });
    const created = (await call(`${base}/v1/items`, 'POST', { name: 'bolt', quantity: 1 })).body;
    const url = `${base}/v1/items/${created.id}`;
    expect((await call(url)).body.quantity).toBe(1);
    expect(await metric(base, CACHE.miss)).toBe(1);
    expect((await call(url)).body.quantity).toBe(1);
    expect((await call(url)).body.quantity).toBe(1);
    expect(await metric(base, CACHE.hit)).toBe(2);
    expect((await call(url, 'PUT', { name: 'bolt', quantity: 2 })).status).toBe(200);
    expect(await metric(base, CACHE.invalidations)).toBe(1);
    // The write's existence check read through the cache too: a hit. Then the new value
    // is a miss once, and a hit after.
    const hitsAfterPut = await metric(base, CACHE.hit);
    expect((await call(url)).body).toMatchObject({ quantity: 2, version: 2 });
    expect(await metric(base, CACHE.miss)).toBe(2);
    expect((await call(url)).body.quantity).toBe(2);
    expect(await metric(base, CACHE.hit)).toBe(hitsAfterPut + 1);
    expect((await call(url, 'DELETE')).status).toBe(204);
    expect(await metric(base, CACHE.invalidations)).toBe(2);
    expect((await call(url)).status).toBe(404);
    expect(await metric(base, CACHE.error)).toBe(0);
  });
});
