import type { Item } from './items.js';

/**
 * What a cache lookup found: the item, or a miss with the ticket a fill must present. A miss
 * without a ticket (a write is under way on that key) must not be filled.
 */
export type CacheLookup =
  | { readonly hit: true; readonly item: Item }
  | { readonly hit: false; readonly ticket: FillTicket | undefined };

/** The key's generation as the lookup saw it: a fill succeeds only if it is still current. */
export interface FillTicket {
  readonly generation: string;
  /** When the lookup ran (ms since the epoch): a fill older than the write lease is refused. */
  readonly issuedAt: number;
}

/** Held by a write between beginWrite and endWrite. */
export interface WriteFence {
  readonly id: string;
}

/**
 * A read-through cache of items by id, safe against the fill race (a reader that read the row
 * before a write must not put it back after the write's invalidation). The protocol, the same
 * for every implementation:
 *
 * - lookup(id) reads the value, or on a miss the key's generation and whether a write holds
 *   its fence, in one atomic step; the reader then reads the database;
 * - fill(id, ticket, item) stores the item only if the generation is still the ticket's and no
 *   fence is held, again in one atomic step;
 * - a write calls beginWrite(id) BEFORE it changes the database: a new random generation, the
 *   value deleted, the fence taken (a counter, with a lease so a crashed writer cannot hold it
 *   for ever); then endWrite(id) AFTER its commit and before it answers: a new generation, the
 *   value deleted, the fence released.
 *
 * Why no stale item survives an acknowledged write W (begin at tB, commit at tC, end at tE,
 * answer after tE). A value present after the answer was stored by a fill at some t3 whose
 * lookup ran at t1 < t3, with the generation unchanged from t1 to t3 and no fence at t3:
 * - t3 < tB: W's begin deleted that value;
 * - tB <= t3 <= tE: the fence is held, the fill is refused;
 * - t3 > tE: the generation at t3 was set at or after tE (each is a fresh random value, so it
 *   cannot repeat), and the lookup saw it, so t1 >= tE > tC: the reader's database read started
 *   after W's commit and saw W.
 * If endWrite fails (the cache became unreachable after the commit), the fence stays until its
 *   lease ends: a lookup that sees the fence is not filled, and one after the lease reads the
 *   database after W's commit (the lease is far longer than a single-statement write), so the
 *   argument holds with the lease's end in place of tE.
 * Generations are not kept for ever (Redis expires them, the in-process cache prunes idle ones),
 * and an absent generation reads as '', which a ticket taken before the key's first write also
 * holds. So a fill whose ticket is older than the write lease is refused without asking: a
 * generation is kept far longer than that after its write, so within the lease it is either
 * still there (and differs from the ticket) or the ticket was taken after it was set.
 * A cache that loses everything (Redis restarted empty) loses fences too. The one gap left:
 * Redis restarting empty between a write's begin and its commit, with that write's end failing
 * too, lets a reader that looked up in between fill the old row until the item's TTL ends.
 */
export interface ItemCache {
  readonly kind: 'memory' | 'redis';
  /** Rejects when the cache cannot be reached: the caller reads the database instead. */
  lookup(id: string): Promise<CacheLookup>;
  /** Resolves true when stored, false when refused (the key changed since the lookup). */
  fill(id: string, ticket: FillTicket, item: Item): Promise<boolean>;
  /** Rejects when the cache cannot be reached: the write must then not be applied. */
  beginWrite(id: string): Promise<WriteFence>;
  endWrite(fence: WriteFence): Promise<void>;
  close(): Promise<void>;
}

export interface ItemCacheOptions {
  /** How long a cached item lives (bounds memory; correctness does not depend on it). */
  readonly ttlMs?: number;
  /** How long a write's fence outlives a writer that never ends it. */
  readonly writeLeaseMs?: number;
}

export const DEFAULT_ITEM_CACHE_TTL_MS = 300_000;
export const DEFAULT_WRITE_LEASE_MS = 30_000;

/** False when a ticket is too old to fill with (see ItemCache). */
export const ticketIsFresh = (ticket: FillTicket, leaseMs: number, now = Date.now()): boolean =>
  now - ticket.issuedAt < leaseMs;
