import { timingSafeEqual } from 'node:crypto';
import type { AuthFailureReason } from '../auth-errors.js';
import type { Principal } from '../principal.js';
import type { ApiKeyDocument } from './api-key-document.js';
import { apiKeyDigest, apiKeyIdOf } from './api-key-text.js';

interface LoadedKey {
  readonly digest: Buffer;
  readonly notBefore: number;
  readonly expiresAt: number;
  readonly revokedAt: number;
  /** Built once per load, so a request that authenticates allocates nothing for it. */
  readonly accepted: ApiKeyCheck;
}

export type ApiKeyCheck =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: AuthFailureReason };

const MALFORMED: ApiKeyCheck = { ok: false, reason: 'malformed' };
const UNKNOWN: ApiKeyCheck = { ok: false, reason: 'unknown_key' };
const REVOKED: ApiKeyCheck = { ok: false, reason: 'revoked' };
const EXPIRED: ApiKeyCheck = { ok: false, reason: 'expired' };
const NOT_YET_VALID: ApiKeyCheck = { ok: false, reason: 'not_yet_valid' };

/** The keys of one document, indexed by id, ready to check presented key texts against. */
export class ApiKeySet {
  readonly #keys = new Map<string, LoadedKey>();

  constructor(document: ApiKeyDocument) {
    for (const key of document.keys) {
      this.#keys.set(key.id, {
        digest: Buffer.from(key.hash.slice('sha256:'.length), 'hex'),
        notBefore: instant(key.notBefore, Number.NEGATIVE_INFINITY),
        expiresAt: instant(key.expiresAt, Number.POSITIVE_INFINITY),
        revokedAt: instant(key.revokedAt, Number.POSITIVE_INFINITY),
        accepted: {
          ok: true,
          principal: Object.freeze({
            subject: key.subject,
            kind: 'api-key' as const,
            scopes: Object.freeze([...key.scopes]),
            keyId: key.id,
            ...(key.org === undefined ? {} : { org: key.org }),
          }),
        },
      });
    }
  }

  get size(): number {
    return this.#keys.size;
  }

  /**
   * The id selects the entry; the secret is then compared as SHA-256 digests in constant time,
   * so neither the time taken nor an early exit tells a caller how much of a guess was right.
   * Revocation and validity dates are only reported to a caller who holds the real key: anyone
   * else learns "unknown key", not the state of an id they guessed.
   */
  check(text: string, now: number = Date.now()): ApiKeyCheck {
    const id = apiKeyIdOf(text);
    if (id === undefined) return MALFORMED;
    const key = this.#keys.get(id);
    if (key === undefined) return UNKNOWN;
    if (!timingSafeEqual(apiKeyDigest(text), key.digest)) return UNKNOWN;
    if (now >= key.revokedAt) return REVOKED;
    if (now >= key.expiresAt) return EXPIRED;
    if (now < key.notBefore) return NOT_YET_VALID;
    return key.accepted;
  }
}

function instant(iso: string | undefined, fallback: number): number {
  return iso === undefined ? fallback : Date.parse(iso);
}
