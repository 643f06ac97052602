import { DependencyUnavailableError } from '@bulwark/kit';
import type { CacheMetrics } from './cache-metrics.js';
import type { ItemCache } from './item-cache.js';
import type { Item, ItemStore, NewItem } from './items.js';

interface Logger {
  warn(object: object, message: string): void;
}

/**
 * Items as the routes use them: reads by id through the cache, writes fenced in it (the
 * protocol and its argument are in item-cache.ts). Lists are not cached.
 *
 * When the cache fails: a read counts the error and answers from the database (never a 5xx,
 * never a cached value it could not check); a write that cannot take its fence is refused with
 * 503 before it changes anything, because applying it would let another replica keep serving
 * the old item from the cache. After the commit, a failed endWrite is counted and logged, and
 * the write is acknowledged: its fence keeps the key out of the cache until the lease ends.
 */
export class ReadThroughItems {
  readonly #store: ItemStore;
  readonly #cache: ItemCache;
  readonly #metrics: CacheMetrics;
  readonly #logger: Logger;

  constructor(store: ItemStore, cache: ItemCache, metrics: CacheMetrics, logger: Logger) {
    this.#store = store;
    this.#cache = cache;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  create(input: NewItem): Promise<Item> {
    // Nothing to invalidate: only found items are cached, and a new id was never found.
    return this.#store.create(input);
  }

  list(limit: number): Promise<Item[]> {
    return this.#store.list(limit);
  }

  async get(id: string): Promise<Item | undefined> {
    let lookup: Awaited<ReturnType<ItemCache['lookup']>>;
    try {
      lookup = await this.#cache.lookup(id);
    } catch (error) {
      this.#metrics.request('error');
      this.#metrics.failed('lookup');
      this.#logger.warn({ err: error }, 'item cache lookup failed; reading the database');
      return this.#store.get(id);
    }
    if (lookup.hit) {
      this.#metrics.request('hit');
      return lookup.item;
    }
    this.#metrics.request('miss');
    const item = await this.#store.get(id);
    if (item !== undefined && lookup.ticket !== undefined) {
      await this.#cache.fill(id, lookup.ticket, item).catch((error: unknown) => {
        this.#metrics.failed('fill');
        this.#logger.warn({ err: error }, 'item cache fill failed');
      });
    }
    return item;
  }

  /** Runs `apply` (one database write on item `id`) fenced in the cache. */
  async write<T>(id: string, apply: (store: ItemStore) => Promise<T>): Promise<T> {
    let fence: Awaited<ReturnType<ItemCache['beginWrite']>>;
    try {
      fence = await this.#cache.beginWrite(id);
    } catch (error) {
      this.#metrics.failed('invalidate');
      throw new DependencyUnavailableError(
        'the item cache is unreachable, so the write was not applied',
        { cause: error },
      );
    }
    this.#metrics.invalidated();
    try {
      return await apply(this.#store);
    } finally {
      await this.#cache.endWrite(fence).catch((error: unknown) => {
        this.#metrics.failed('invalidate');
        this.#logger.warn(
          { err: error, item: id },
          'item cache fence not released; the key stays uncached until its lease ends',
        );
      });
    }
  }

  update(id: string, input: NewItem): Promise<Item | undefined> {
    return this.write(id, (store) => store.update(id, input));
  }

  delete(id: string): Promise<boolean> {
    return this.write(id, (store) => store.delete(id));
  }

  close(): Promise<void> {
    return this.#cache.close();
  }
}
