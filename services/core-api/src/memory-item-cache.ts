import { randomUUID } from 'node:crypto';
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

interface Entry {
  value: { item: Item; expiresAt: number } | undefined;
  generation: string;
  fences: number;
  fenceExpiresAt: number;
  /** When a write last touched the key: its generation is kept a lease past this. */
  writtenAt: number;
}

/** How many writes between sweeps of idle entries. */
const SWEEP_EVERY = 1_000;

/**
 * The in-process cache (no REDIS_URL): the ItemCache protocol over a Map. Each method runs
 * without awaiting, so each is atomic in this process as a Lua script is in Redis. Entries that
 * hold no live value, no fence and a generation older than the lease are swept now and then,
 * so the map stays about as large as the set of cached items.
 */
export class MemoryItemCache implements ItemCache {
  readonly kind = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  #writesSinceSweep = 0;

  constructor(options: ItemCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_ITEM_CACHE_TTL_MS;
    this.#leaseMs = options.writeLeaseMs ?? DEFAULT_WRITE_LEASE_MS;
  }

  async lookup(id: string): Promise<CacheLookup> {
    const now = Date.now();
    const entry = this.#entries.get(id);
    if (entry?.value && entry.value.expiresAt > now) return { hit: true, item: entry.value.item };
    if (entry && this.#fenced(entry, now)) return { hit: false, ticket: undefined };
    return { hit: false, ticket: { generation: entry?.generation ?? '', issuedAt: now } };
  }

  async fill(id: string, ticket: FillTicket, item: Item): Promise<boolean> {
    const now = Date.now();
    if (!ticketIsFresh(ticket, this.#leaseMs, now)) return false;
    const entry = this.#entries.get(id);
    if ((entry?.generation ?? '') !== ticket.generation) return false;
    if (entry && this.#fenced(entry, now)) return false;
    this.#entries.set(id, {
      value: { item, expiresAt: now + this.#ttlMs },
      generation: ticket.generation,
      fences: 0,
      fenceExpiresAt: 0,
      writtenAt: entry?.writtenAt ?? 0,
    });
    return true;
  }

  async beginWrite(id: string): Promise<WriteFence> {
    const now = Date.now();
    const entry = this.#entries.get(id);
    this.#entries.set(id, {
      value: undefined,
      generation: randomUUID(),
      fences: (entry && this.#fenced(entry, now) ? entry.fences : 0) + 1,
      fenceExpiresAt: now + this.#leaseMs,
      writtenAt: now,
    });
    if (++this.#writesSinceSweep >= SWEEP_EVERY) this.#sweep(now);
    return { id };
  }

  async endWrite(fence: WriteFence): Promise<void> {
    const now = Date.now();
    const entry = this.#entries.get(fence.id);
    const fences = entry && this.#fenced(entry, now) ? entry.fences - 1 : 0;
    this.#entries.set(fence.id, {
      value: undefined,
      generation: randomUUID(),
      fences,
      fenceExpiresAt: fences > 0 ? entry!.fenceExpiresAt : 0,
      writtenAt: now,
    });
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #fenced(entry: Entry, now: number): boolean {
    return entry.fences > 0 && entry.fenceExpiresAt > now;
  }

  /** Drops entries whose generation no fresh ticket can still be checked against. */
  #sweep(now: number): void {
    this.#writesSinceSweep = 0;
    for (const [id, entry] of this.#entries) {
      const idle = !(entry.value && entry.value.expiresAt > now) && !this.#fenced(entry, now);
      if (idle && now - entry.writtenAt > 2 * this.#leaseMs) this.#entries.delete(id);
    }
  }
}
