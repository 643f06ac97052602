import { type JWTPayload, jwtVerify } from 'jose';
import type { ServiceConfig } from '../../config.js';
import { CredentialRejectedError } from '../auth-errors.js';
import type { Principal } from '../principal.js';
import { scopesFromClaim } from '../scopes.js';
import { rejectionFromJose } from './jose-failures.js';
import { JwtKeys, type JwtKeysOptions } from './jwt-keys.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

type JwtConfig = NonNullable<ServiceConfig['auth']['jwt']>;

/** Longer than any real token; refused before jose parses it. */
export const MAX_TOKEN_LENGTH = 16_384;
/** Longer subjects are refused rather than carried into every log line. */
const MAX_SUBJECT_LENGTH = 256;

/** Verified tokens kept (see VerifiedTokenCache): bounds memory to a few megabytes. */
const CACHED_TOKENS = 4_096;
/** How long a verified token is trusted without checking its signature again. */
const CACHED_TOKEN_MAX_AGE_MS = 60_000;

export function verifiedTokenCache(): VerifiedTokenCache {
  return new VerifiedTokenCache({ maxEntries: CACHED_TOKENS, maxAgeMs: CACHED_TOKEN_MAX_AGE_MS });
}

/** Until when a verified token may be served from the cache: its exp, or its maxTokenAge. */
export function trustedUntilMs(payload: JWTPayload, maxTokenAgeSec: number | undefined): number {
  const exp = (payload.exp as number) * 1000;
  if (maxTokenAgeSec === undefined || typeof payload.iat !== 'number') return exp;
  return Math.min(exp, (payload.iat + maxTokenAgeSec) * 1000);
}

/**
 * One compact JWS checked by jose, for both kinds of bearer token: an oversized token is
 * refused before any parsing, and jose's failures become a 401 naming the kind of failure.
 */
export async function verifyBearerJwt(
  token: string,
  key: Parameters<typeof jwtVerify>[1],
  options: Parameters<typeof jwtVerify>[2],
  credential: 'bearer token' | 'service token',
): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_LENGTH) throw new CredentialRejectedError(credential, 'malformed');
  try {
    return (await jwtVerify(token, key, options)).payload;
  } catch (error) {
    throw rejectionFromJose(error, credential);
  }
}

/**
 * Bearer JWTs from the identity provider, checked with jose: the algorithm against the
 * configured allow-list only (so `none`, and an HS token against an RS key, never verify),
 * then the signature, iss, aud, exp and nbf within the clock tolerance, and the token's age.
 */
export class JwtVerifier {
  readonly keys: JwtKeys;
  readonly #config: JwtConfig;
  readonly #options: Parameters<typeof jwtVerify>[2];
  readonly #verified = verifiedTokenCache();

  constructor(config: JwtConfig, options: JwtKeysOptions) {
    this.#config = config;
    this.keys = new JwtKeys(config, options);
    this.#options = {
      algorithms: [...config.algorithms],
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSec,
      ...(config.maxTokenAgeSec === undefined ? {} : { maxTokenAge: config.maxTokenAgeSec }),
      requiredClaims: ['exp', 'sub'],
    };
  }

  /** The principal of a token that verified a moment ago, without checking it again. */
  cached(token: string): Principal | undefined {
    return this.#verified.get(token);
  }

  /** The principal the token names; throws a 401 (or a 503 when keys are unavailable). */
  async verify(token: string): Promise<Principal> {
    const cached = this.#verified.get(token);
    if (cached !== undefined) return cached;
    const payload = await verifyBearerJwt(token, this.keys.resolve, this.#options, 'bearer token');
    const principal = principalFromClaims(
      payload,
      'jwt',
      this.#config.scopeClaim,
      this.#config.orgClaim,
    );
    this.#verified.set(token, principal, trustedUntilMs(payload, this.#config.maxTokenAgeSec));
    return principal;
  }
}

/** The principal of verified claims; claims of the wrong shape are a 401 (invalid claim). */
export function principalFromClaims(
  payload: JWTPayload,
  kind: 'jwt' | 'service-token',
  scopeClaim: string,
  orgClaim: string,
): Principal {
  const credential = kind === 'jwt' ? 'bearer token' : 'service token';
  const { sub } = payload;
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUBJECT_LENGTH) {
    throw new CredentialRejectedError(credential, 'invalid_claim');
  }
  const scopes = scopesFromClaim(payload[scopeClaim]);
  const org = payload[orgClaim];
  if (scopes === undefined || (org !== undefined && typeof org !== 'string')) {
    throw new CredentialRejectedError(credential, 'invalid_claim');
  }
  return org === undefined ? { subject: sub, kind, scopes } : { subject: sub, kind, scopes, org };
}
