import { HASH_BYTES, type Hash } from './hash.js';
import { leafHash, type SubtreeKey } from './merkle.js';
import type { SqlQueryable } from './store/driver.js';
import { FIELD, fieldBytes } from './store/entry-page.js';
import { entryPages } from './store/entry-page-reader.js';
import { readSubtrees, splitHashes } from './store/tables.js';

/** Where proofs get complete subtree hashes from. */
export type SubtreeSource = (keys: readonly SubtreeKey[]) => Promise<Hash[]>;

/** Subtree hashes straight from the store: one indexed query per proof. */
export const storeSource =
  (q: SqlQueryable): SubtreeSource =>
  (keys) =>
    readSubtrees(q, keys);

/**
 * Every complete subtree hash of the first `size` leaves, in memory (64 bytes per entry: about
 * 64 MB at a million entries), so proofs cost no database round trip. It catches up from the
 * store (which any process may have appended to) whenever a proof needs a larger tree.
 */
export class SubtreeCache {
  readonly #q: SqlQueryable;
  readonly #levels: Buffer[] = [];
  readonly #counts: number[] = [];
  #size = 0;
  #catchingUp: Promise<void> | undefined;

  constructor(q: SqlQueryable) {
    this.#q = q;
  }

  get size(): number {
    return this.#size;
  }

  #push(level: number, hash: Uint8Array): void {
    const count = this.#counts[level] ?? 0;
    let buffer = this.#levels[level];
    if (!buffer || buffer.length < (count + 1) * HASH_BYTES) {
      const grown = Buffer.alloc(Math.max(1024, (count + 1) * 2) * HASH_BYTES);
      buffer?.copy(grown);
      buffer = grown;
      this.#levels[level] = grown;
    }
    buffer.set(hash, count * HASH_BYTES);
    this.#counts[level] = count + 1;
  }

  /**
   * Adds entries this process just committed, so the cache follows its own appends without
   * reading them back. Entries that do not continue the cache are ignored: another process
   * appended in between, and `ensure` will read those from the store.
   */
  extend(entries: readonly { seq: number; entryHash: Uint8Array; treeNodes: Uint8Array }[]): void {
    if (this.#catchingUp !== undefined || entries[0]?.seq !== this.#size + 1) return;
    for (const entry of entries) this.#add(entry.entryHash, entry.treeNodes);
  }

  #add(entryHash: Uint8Array, treeNodes: Uint8Array): void {
    this.#push(0, leafHash(entryHash));
    splitHashes(treeNodes).forEach((hash, i) => {
      this.#push(i + 1, hash);
    });
    this.#size += 1;
  }

  /** Reads entries past the cached size until at least `size` leaves are cached. */
  async ensure(size: number): Promise<void> {
    while (this.#size < size) {
      this.#catchingUp ??= this.#catchUp(size).finally(() => {
        this.#catchingUp = undefined;
      });
      await this.#catchingUp;
    }
  }

  async #catchUp(size: number): Promise<void> {
    // The verifier's page stream: binary COPY on PostgreSQL, several pages in flight.
    for await (const page of entryPages(this.#q, this.#size + 1, size, 10_000)) {
      for (let r = 0; r < page.count; r++) {
        if (page.seq[r] !== this.#size + 1)
          throw new RangeError(`entry ${this.#size + 1} is missing from the store`);
        this.#add(fieldBytes(page, r, FIELD.entryHash), fieldBytes(page, r, FIELD.treeNodes));
      }
    }
    if (this.#size < size) throw new RangeError(`the store has no entry ${this.#size + 1}`);
  }

  readonly source: SubtreeSource = async (keys) => {
    const needed = keys.reduce((max, k) => Math.max(max, (k.index + 1) * 2 ** k.level), 0);
    await this.ensure(needed);
    return keys.map((k) => {
      const buffer = this.#levels[k.level] as Buffer;
      return buffer.subarray(k.index * HASH_BYTES, (k.index + 1) * HASH_BYTES);
    });
  };
}
