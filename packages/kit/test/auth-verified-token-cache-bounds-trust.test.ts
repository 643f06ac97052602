import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../src/auth/jwt/verified-token-cache.js';
import type { Principal } from '../src/index.js';

const alice: Principal = { subject: 'alice', kind: 'jwt', scopes: [] };

describe('the verified-token cache', () => {
  it('serves a token only until its expiry and never past maxAgeMs', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, maxAgeMs: 60_000 });
    cache.set('short', alice, 1_000 + 5_000, 1_000);
    cache.set('long', alice, 1_000 + 3_600_000, 1_000);
    expect(cache.get('short', 5_999)).toBe(alice);
    expect(cache.get('short', 6_000)).toBeUndefined();
    expect(cache.get('long', 60_999)).toBe(alice);
    expect(cache.get('long', 61_000)).toBeUndefined();
    expect(cache.get('never-set', 1_000)).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the oldest first', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, maxAgeMs: 60_000 });
    for (const token of ['a', 'b', 'c']) cache.set(token, alice, 100_000, 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe(alice);
    expect(cache.get('c', 1)).toBe(alice);
  });

  it('does not keep a token that is already past its expiry', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, maxAgeMs: 60_000 });
    cache.set('stale', alice, 500, 1_000);
    expect(cache.get('stale', 400)).toBeUndefined();
  });
});
