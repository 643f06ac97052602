import { dependencyProbe, type Service } from '@bulwark/kit';
import { CacheMetrics } from './cache-metrics.js';
import type { CoreApiDatabase } from './database.js';
import type { ItemCache, ItemCacheOptions } from './item-cache.js';
import { KyselyItemStore } from './kysely-item-store.js';
import { MemoryItemCache } from './memory-item-cache.js';
import { ReadThroughItems } from './read-through-items.js';
import { RedisItemCache } from './redis-item-cache.js';

export interface ItemCacheSettings extends ItemCacheOptions {
  /** Redis shared by every replica; without it each process caches in memory. */
  readonly redisUrl?: string | undefined;
}

/** How long startup waits for the cache's Redis before serving (reads fall back meanwhile). */
const CACHE_CONNECT_WAIT_MS = 2_000;

/**
 * Wires the items into the service: the store over the (lazily opened) database, the cache in
 * Redis or in memory, its counters on the service's registry, a
 * non-critical readiness probe for Redis (reads work without it, so it must not fail /ready),
 * and the cache's close at shutdown.
 */
export function wireItems(
  service: Service,
  database: CoreApiDatabase,
  settings: ItemCacheSettings,
): ReadThroughItems {
  const { redisUrl, ...options } = settings;
  let cache: ItemCache;
  if (redisUrl) {
    const redis = new RedisItemCache({
      url: redisUrl,
      ...options,
      onConnectionError: (error) =>
        service.logger.warn(
          { err: error },
          'item cache: Redis unreachable; reads go to the database, writes are refused',
        ),
    });
    service.onStartup('item-cache', async () => {
      if (!(await redis.whenReady(CACHE_CONNECT_WAIT_MS)))
        service.logger.warn('item cache: Redis not reachable yet; reads go to the database');
    });
    service.addReadinessProbe(
      dependencyProbe({ name: 'item-cache', critical: false }, async () => {
        if ((await redis.client.ping()) !== 'PONG') throw new Error('unexpected PING reply');
      }),
    );
    cache = redis;
  } else {
    cache = new MemoryItemCache(options);
  }
  const items = new ReadThroughItems(
    new KyselyItemStore(() => database.get()),
    cache,
    new CacheMetrics(service.metrics.registry, 'items'),
    service.logger,
  );
  service.resources.add('item-cache', () => items.close());
  return items;
}
