import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import {
  type CacheLookup,
  DEFAULT_ITEM_CACHE_TTL_MS,
  DEFAULT_WRITE_LEASE_MS,
  type FillTicket,
  type ItemCache,
  type ItemCacheOptions,
  ticketIsFresh,
  type WriteFence,
} from './item-cache.js';
import type { Item } from './items.js';

// ioredis is CommonJS and only needed with REDIS_URL: loaded on use, like the kit's limiter.
const requireOnUse = createRequire(import.meta.url);

/**
 * Each script is one atomic step of the ItemCache protocol (see item-cache.ts). KEYS: the
 * item's value, generation and fence keys; they share a {hash tag}, so a Redis Cluster keeps
 * them in one slot.
 */
const LOOKUP = `
local value = redis.call('GET', KEYS[1])
if value then return {1, value} end
return {0, redis.call('GET', KEYS[2]) or '', redis.call('EXISTS', KEYS[3])}`;

// ARGV: the item as JSON, the ticket's generation, the value's TTL in ms.
const FILL = `
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

// ARGV: a new generation, the generation's TTL in ms, the fence's lease in ms.
const BEGIN_WRITE = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 1`;

// ARGV: a new generation, the generation's TTL in ms.
const END_WRITE = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1])
if redis.call('DECR', KEYS[3]) <= 0 then redis.call('DEL', KEYS[3]) end
return 1`;

interface ItemScripts {
  itemLookup(value: string, generation: string, fence: string): Promise<[0 | 1, string, number?]>;
  itemFill(v: string, g: string, f: string, json: string, gen: string, ttl: number): Promise<0 | 1>;
  itemBeginWrite(
    v: string,
    g: string,
    f: string,
    gen: string,
    ttl: number,
    lease: number,
  ): Promise<1>;
  itemEndWrite(v: string, g: string, f: string, gen: string, ttl: number): Promise<1>;
}

export interface RedisItemCacheOptions extends ItemCacheOptions {
  readonly url: string;
  /** Prefix of every key; the default keeps core-api's keys apart from the rate limiter's. */
  readonly keyPrefix?: string;
  /** A command that takes longer fails (the reader then reads the database). */
  readonly commandTimeoutMs?: number;
  /** The first connection error of each outage: logged by the caller, never thrown. */
  readonly onConnectionError?: (error: Error) => void;
}

/** Reconnect backoff cap: short, so the cache is back within a second or so of Redis. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * The ItemCache protocol in Redis, shared by every core-api replica on one REDIS_URL. Set up like
 * the kit's rate-limit store so an outage never stalls a request: no offline queue (a command
 * while disconnected fails at once), no retries of commands in flight, and a command timeout.
 * Every failure rejects, and the caller degrades: a read goes to the database, a write is
 * refused before it changes anything (see ReadThroughItems).
 */
export class RedisItemCache implements ItemCache {
  readonly kind = 'redis';
  readonly #redis: Redis & ItemScripts;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  /** Far longer than the lease: see "Generations are not kept for ever" in item-cache.ts. */
  readonly #generationTtlMs: number;

  constructor(options: RedisItemCacheOptions) {
    this.#prefix = options.keyPrefix ?? 'bulwark:core-api:item:';
    this.#ttlMs = options.ttlMs ?? DEFAULT_ITEM_CACHE_TTL_MS;
    this.#leaseMs = options.writeLeaseMs ?? DEFAULT_WRITE_LEASE_MS;
    this.#generationTtlMs = Math.max(this.#ttlMs, this.#leaseMs) * 20;
    const commandTimeout = options.commandTimeoutMs ?? 500;
    const { Redis } = requireOnUse('ioredis') as typeof import('ioredis');
    const redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: 2_000,
      commandTimeout,
      socketTimeout: Math.max(1_000, commandTimeout * 5),
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), MAX_RECONNECT_DELAY_MS),
      connectionName: 'bulwark-core-api-item-cache',
    });
    // Reported once per outage, not once per failed reconnect (one a second while it lasts).
    let down = false;
    redis.on('error', (error: Error) => {
      if (down) return;
      down = true;
      options.onConnectionError?.(error);
    });
    redis.on('ready', () => {
      down = false;
    });
    redis.defineCommand('itemLookup', { numberOfKeys: 3, lua: LOOKUP });
    redis.defineCommand('itemFill', { numberOfKeys: 3, lua: FILL });
    redis.defineCommand('itemBeginWrite', { numberOfKeys: 3, lua: BEGIN_WRITE });
    redis.defineCommand('itemEndWrite', { numberOfKeys: 3, lua: END_WRITE });
    this.#redis = redis as Redis & ItemScripts;
  }

  /** ioredis' connection status ('ready' when usable). */
  get status(): string {
    return this.#redis.status;
  }

  /** The connection itself, for the readiness probe's PING. */
  get client(): Redis {
    return this.#redis;
  }

  /** Resolves true once connected, false after `timeoutMs`; never rejects. */
  whenReady(timeoutMs: number): Promise<boolean> {
    const redis = this.#redis;
    if (redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      redis.once('ready', onReady);
    });
  }

  async lookup(id: string): Promise<CacheLookup> {
    const issuedAt = Date.now();
    const [hit, text, fenced] = await this.#redis.itemLookup(...this.#keys(id));
    if (hit === 1) return { hit: true, item: JSON.parse(text) as Item };
    return { hit: false, ticket: fenced === 1 ? undefined : { generation: text, issuedAt } };
  }

  async fill(id: string, ticket: FillTicket, item: Item): Promise<boolean> {
    if (!ticketIsFresh(ticket, this.#leaseMs)) return false;
    const stored = await this.#redis.itemFill(
      ...this.#keys(id),
      JSON.stringify(item),
      ticket.generation,
      this.#ttlMs,
    );
    return stored === 1;
  }

  async beginWrite(id: string): Promise<WriteFence> {
    await this.#redis.itemBeginWrite(
      ...this.#keys(id),
      randomUUID(),
      this.#generationTtlMs,
      this.#leaseMs,
    );
    return { id };
  }

  async endWrite(fence: WriteFence): Promise<void> {
    await this.#redis.itemEndWrite(...this.#keys(fence.id), randomUUID(), this.#generationTtlMs);
  }

  async close(): Promise<void> {
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }

  #keys(id: string): [string, string, string] {
    const base = `${this.#prefix}{${id}}`;
    return [`${base}:value`, `${base}:generation`, `${base}:fence`];
  }
}
