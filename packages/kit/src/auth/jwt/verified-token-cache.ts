import type { Principal } from '../principal.js';

interface Entry {
  readonly principal: Principal;
  /** Milliseconds: past this, the token is no longer served from here. */
  readonly until: number;
}

/**
 * Tokens whose signature and claims already verified, by their exact text (signature
 * included, so only the very token that verified can hit). A client sends the same token on
 * every request for its lifetime; checking its signature once instead of per request takes
 * the largest cost off the hot path. An entry ends at the token's expiry (or its maxTokenAge),
 * and never lives longer than `maxAgeMs`, so a key withdrawn from the JWKS or a rotated secret
 * stops being trusted within that bound. The number of entries is capped; the oldest go first.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;

  constructor(options: { maxEntries: number; maxAgeMs: number }) {
    this.#maxEntries = options.maxEntries;
    this.#maxAgeMs = options.maxAgeMs;
  }

  get(token: string, now: number = Date.now()): Principal | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (now < entry.until) return entry.principal;
    this.#entries.delete(token);
    return undefined;
  }

  /** Keeps a verified token until `validUntilMs` (its exp, less nothing: tolerance is not extended). */
  set(token: string, principal: Principal, validUntilMs: number, now: number = Date.now()): void {
    const until = Math.min(validUntilMs, now + this.#maxAgeMs);
    if (until <= now || this.#maxEntries === 0) return;
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(token, { principal, until });
  }

  clear(): void {
    this.#entries.clear();
  }
}
