import { randomUUID } from 'node:crypto';
import { type PrivateServer, privateRedisPart, startPrivateRedis } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Item, type ItemCache, MemoryItemCache, RedisItemCache } from '../src/index.js';

// Under BULWARK_REQUIRE_SYSTEM=1 a missing redis-server throws here: a failure, not a skip.
const redisServer = privateRedisPart();
let redis: PrivateServer | undefined;
const opened: ItemCache[] = [];

beforeAll(async () => {
  if (redisServer.available) redis = await startPrivateRedis();
}, 60_000);
afterAll(async () => {
  for (const cache of opened) await cache.close();
  await redis?.remove();
});

const item = (id: string, version: number): Item => ({
  id,
  name: `v${version}`,
  quantity: version,
  version,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

const LEASE_MS = 400;
const kinds: { name: string; make: () => ItemCache; skip: boolean }[] = [
  { name: 'in memory', make: () => new MemoryItemCache({ writeLeaseMs: LEASE_MS }), skip: false },
  {
    name: 'in Redis',
    make: () => new RedisItemCache({ url: redis!.url, writeLeaseMs: LEASE_MS }),
    skip: !redisServer.available,
  },
];

async function open(make: () => ItemCache): Promise<ItemCache> {
  const cache = make();
  opened.push(cache);
  if (cache instanceof RedisItemCache) expect(await cache.whenReady(5_000)).toBe(true);
  return cache;
}

/** The ticket of a miss, which must be fillable. */
async function missTicket(cache: ItemCache, id: string) {
  const lookup = await cache.lookup(id);
  if (lookup.hit) throw new Error('expected a miss');
  return lookup.ticket;
}

describe.each(kinds)('the item cache $name', ({ make, skip }) => {
  it.skipIf(skip)('serves a fill, and a write removes it', async () => {
    const cache = await open(make);
    const id = randomUUID();
    const ticket = await missTicket(cache, id);
    expect(ticket).toBeDefined();
    expect(await cache.fill(id, ticket!, item(id, 1))).toBe(true);
    expect(await cache.lookup(id)).toEqual({ hit: true, item: item(id, 1) });
    await cache.endWrite(await cache.beginWrite(id));
    expect((await cache.lookup(id)).hit).toBe(false);
  });

  it.skipIf(skip)('refuses a fill looked up before a write that has ended', async () => {
    const cache = await open(make);
    const id = randomUUID();
    // The reader looks up, then reads the old row; the write runs to its end meanwhile.
    const ticket = await missTicket(cache, id);
    await cache.endWrite(await cache.beginWrite(id));
    expect(await cache.fill(id, ticket!, item(id, 1))).toBe(false);
    expect((await cache.lookup(id)).hit).toBe(false);
  });

  it.skipIf(skip)(
    'refuses a fill while a write holds its fence, and any lookup made then',
    async () => {
      const cache = await open(make);
      const id = randomUUID();
      const before = await missTicket(cache, id);
      const fence = await cache.beginWrite(id);
      expect(await cache.fill(id, before!, item(id, 1))).toBe(false);
      // Looked up during the write: the reader may read the old row, so it gets no ticket.
      expect(await missTicket(cache, id)).toBeUndefined();
      await cache.endWrite(fence);
      const after = await missTicket(cache, id);
      expect(await cache.fill(id, after!, item(id, 2))).toBe(true);
    },
  );

  it.skipIf(skip)(
    'keeps the key uncached until the lease ends when a write never ends',
    async () => {
      const cache = await open(make);
      const id = randomUUID();
      const before = await missTicket(cache, id);
      await cache.beginWrite(id); // the writer dies (or loses the cache) after its commit
      expect(await missTicket(cache, id)).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 100));
      // The ticket from before the write is stale by generation (and age); a new one fills.
      expect(await cache.fill(id, before!, item(id, 1))).toBe(false);
      const after = await missTicket(cache, id);
      expect(after).toBeDefined();
      expect(await cache.fill(id, after!, item(id, 2))).toBe(true);
    },
  );

  it.skipIf(skip)('holds the fence until the last of two overlapping writes ends', async () => {
    const cache = await open(make);
    const id = randomUUID();
    const first = await cache.beginWrite(id);
    const second = await cache.beginWrite(id);
    await cache.endWrite(first);
    expect(await missTicket(cache, id)).toBeUndefined();
    await cache.endWrite(second);
    expect(await missTicket(cache, id)).toBeDefined();
  });
});
