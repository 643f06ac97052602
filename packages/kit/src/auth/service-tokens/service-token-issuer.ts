import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import { SERVICE_TOKEN_PURPOSE, type TokenSigner } from './token-signer.js';

/** The longest lifetime a service token may have; verifiers cap it lower (serviceTokens.maxTtlSec). */
export const MAX_SERVICE_TOKEN_TTL_SEC = 3_600;
const ED25519_SIGNATURE_BYTES = 64;
const MAX_CACHED_TOKENS = 1_000;

export interface ServiceTokenIssuerOptions {
  /** This service's name: the tokens' `iss`, which verifiers list in serviceTokens.issuers. */
  readonly issuer: string;
  readonly signer: TokenSigner;
  /** Lifetime of each token; 300 s by default, at most 3600. */
  readonly ttlSec?: number;
  /** A cached token is renewed once less than this remains; a fifth of the lifetime by default. */
  readonly renewBeforeSec?: number;
  /** The clock, in milliseconds; for tests. */
  readonly now?: () => number;
}

export interface ServiceTokenRequest {
  /** The service the token is for: its `aud`. */
  readonly audience: string;
  /** Who the call is made as; the issuing service itself by default. */
  readonly subject?: string;
  readonly scopes?: readonly string[];
}

export interface MintedServiceToken {
  readonly token: string;
  /** Seconds since the epoch, as in `exp`. */
  readonly expiresAt: number;
}

/**
 * Mints short-lived service JWTs (EdDSA) through a TokenSigner, so the private key stays in its
 * provider. The compact JWS is built here rather than with jose's SignJWT, because jose signs
 * only with key material it holds, and the point is that no one holds it: the signer (an HSM,
 * KMS) signs the bytes. One token per audience (and subject and scopes) is cached and reused
 * until shortly before it expires, so a busy caller signs a few times per lifetime, not per call.
 */
export class ServiceTokenIssuer {
  readonly #options: ServiceTokenIssuerOptions;
  readonly #ttlSec: number;
  readonly #renewBeforeSec: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Promise<MintedServiceToken>>();

  constructor(options: ServiceTokenIssuerOptions) {
    const ttlSec = options.ttlSec ?? 300;
    if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_SERVICE_TOKEN_TTL_SEC) {
      throw new ValidationError(
        `a service token lives 1 to ${MAX_SERVICE_TOKEN_TTL_SEC} seconds, not ${ttlSec}`,
      );
    }
    this.#options = options;
    this.#ttlSec = ttlSec;
    this.#renewBeforeSec = Math.min(options.renewBeforeSec ?? Math.ceil(ttlSec / 5), ttlSec - 1);
    this.#now = options.now ?? Date.now;
  }

  /** A token for the audience: the cached one while it has time left, else a new one. */
  async token(request: string | ServiceTokenRequest): Promise<string> {
    const wanted = typeof request === 'string' ? { audience: request } : request;
    const cacheKey = JSON.stringify([wanted.audience, wanted.subject, wanted.scopes]);
    const cached = this.#cache.get(cacheKey);
    if (cached !== undefined) {
      const minted = await cached;
      if (minted.expiresAt - this.#now() / 1000 > this.#renewBeforeSec) return minted.token;
      if (this.#cache.get(cacheKey) !== cached) return this.token(request);
    }
    // The promise is cached, so concurrent callers share one signature.
    const minting = this.mint(wanted);
    // Audiences come from code, so the cache stays small; the bound guards a caller that
    // builds a subject per request.
    if (this.#cache.size >= MAX_CACHED_TOKENS) this.#cache.clear();
    this.#cache.set(cacheKey, minting);
    try {
      return (await minting).token;
    } catch (error) {
      if (this.#cache.get(cacheKey) === minting) this.#cache.delete(cacheKey);
      throw error;
    }
  }

  /** A new token, never cached. */
  async mint(request: ServiceTokenRequest): Promise<MintedServiceToken> {
    const iat = Math.floor(this.#now() / 1000);
    const exp = iat + this.#ttlSec;
    const header = { alg: 'EdDSA', typ: 'JWT', kid: this.#options.signer.keyId };
    const payload = {
      iss: this.#options.issuer,
      sub: request.subject ?? this.#options.issuer,
      aud: request.audience,
      iat,
      exp,
      jti: randomUUID(),
      ...(request.scopes === undefined ? {} : { scope: request.scopes.join(' ') }),
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = await this.#options.signer.sign(
      Buffer.from(signingInput, 'ascii'),
      SERVICE_TOKEN_PURPOSE,
    );
    if (signature.byteLength !== ED25519_SIGNATURE_BYTES) {
      throw new TypeError(
        `the token signer returned ${signature.byteLength} bytes, not an Ed25519 signature`,
      );
    }
    return {
      token: `${signingInput}.${Buffer.from(signature).toString('base64url')}`,
      expiresAt: exp,
    };
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
