import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
  maxEntries: number;
}

/**
 * Vectors by model and text, least recently used evicted first (lru-cache). Keys are SHA-256
 * digests of model, dimensions and text, so a long text costs 32 bytes of key, and the memory
 * bound is maxEntries × (key + dimensions × 4 bytes). Values are copied in and out: a caller
 * that writes into its vector cannot change what the next caller gets.
 */
export class VectorCache {
  readonly #entries: LRUCache<string, Float32Array> | undefined;
  readonly #maxEntries: number;
  #hits = 0;
  #misses = 0;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
    this.#entries = maxEntries > 0 ? new LRUCache({ max: maxEntries }) : undefined;
  }

  static key(model: string, dimensions: number, text: string): string {
    return createHash('sha256').update(`${model}\u0000${dimensions}\u0000${text}`).digest('hex');
  }

  get(key: string): Float32Array | undefined {
    const found = this.#entries?.get(key);
    if (found === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return found.slice();
  }

  set(key: string, vector: Float32Array): void {
    this.#entries?.set(key, vector.slice());
  }

  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      size: this.#entries?.size ?? 0,
      maxEntries: this.#maxEntries,
    };
  }
}
