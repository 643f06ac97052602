import { Counter, type Registry } from 'prom-client';

/** What a cached read found; `error`: the cache failed and the database answered. */
export type CacheResult = 'hit' | 'miss' | 'error';
/** Which cache step failed (the request still got a correct answer, or nothing was applied). */
export type CacheOperation = 'lookup' | 'fill' | 'invalidate';

/**
 * The item cache's counters on the service's registry, labelled cache="items":
 *   bulwark_cache_requests_total{result="hit"|"miss"|"error"}  one per cached read;
 *   bulwark_cache_invalidations_total                          one per write that invalidated;
 *   bulwark_cache_errors_total{operation}                      cache calls that failed.
 */
export class CacheMetrics {
  readonly #requests: Counter<'cache' | 'result'>;
  readonly #invalidations: Counter<'cache'>;
  readonly #errors: Counter<'cache' | 'operation'>;
  readonly #cache: string;

  constructor(registry: Registry, cache: string) {
    this.#cache = cache;
    this.#requests = new Counter({
      name: 'bulwark_cache_requests_total',
      help: 'Reads through a cache, by what the cache gave: hit, miss, or error (read from the database).',
      labelNames: ['cache', 'result'],
      registers: [registry],
    });
    this.#invalidations = new Counter({
      name: 'bulwark_cache_invalidations_total',
      help: 'Writes that invalidated a cached entry before they were acknowledged.',
      labelNames: ['cache'],
      registers: [registry],
    });
    this.#errors = new Counter({
      name: 'bulwark_cache_errors_total',
      help: 'Cache calls that failed, by step; reads then went to the database.',
      labelNames: ['cache', 'operation'],
      registers: [registry],
    });
    // Present at zero from the start, so a dashboard's rate() has a series before the first read.
    for (const result of ['hit', 'miss', 'error'] as const)
      this.#requests.inc({ cache, result }, 0);
    this.#invalidations.inc({ cache }, 0);
    for (const operation of ['lookup', 'fill', 'invalidate'] as const)
      this.#errors.inc({ cache, operation }, 0);
  }

  request(result: CacheResult): void {
    this.#requests.inc({ cache: this.#cache, result });
  }

  invalidated(): void {
    this.#invalidations.inc({ cache: this.#cache });
  }

  failed(operation: CacheOperation): void {
    this.#errors.inc({ cache: this.#cache, operation });
  }
}
