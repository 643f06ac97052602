import { type CryptoKey, errors, type JWTVerifyOptions } from 'jose';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../../config.js';
import { AuthUnavailableError, CredentialRejectedError } from '../auth-errors.js';
import {
  principalFromClaims,
  trustedUntilMs,
  verifiedTokenCache,
  verifyBearerJwt,
} from '../jwt/jwt-verifier.js';
import type { Principal } from '../principal.js';
import { readKeyringKeys } from './keyring-keys.js';

type ServiceTokensConfig = NonNullable<ServiceConfig['auth']['serviceTokens']>;

/**
 * An unknown kid makes the keyring be read again (a signer rotated to a new version), at most
 * this often, so a stream of tokens with made-up kids cannot turn into a stream of file reads.
 */
const KEYRING_RELOAD_COOLDOWN_MS = 30_000;

export interface ServiceTokenVerifierOptions {
  /** This service's name: the audience when serviceTokens.audience is not set. */
  readonly serviceName: string;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** How soon an unknown kid may make the keyring be read again; 30 s by default. */
  readonly keyringReloadCooldownMs?: number;
}

/**
 * Verifies service tokens from other services: EdDSA only, signed by a key in the keyring file,
 * from a configured issuer, for this service, and short-lived (exp − iat ≤ maxTtlSec).
 */
export class ServiceTokenVerifier {
  readonly #config: ServiceTokensConfig;
  readonly #logger: ServiceTokenVerifierOptions['logger'];
  readonly #issuers: ReadonlySet<string>;
  readonly #options: JWTVerifyOptions;
  readonly #verified = verifiedTokenCache();
  readonly #reloadCooldownMs: number;
  #keys: Map<string, CryptoKey> | undefined;
  #loadedAt = 0;
  #reloading: Promise<void> | undefined;

  constructor(config: ServiceTokensConfig, options: ServiceTokenVerifierOptions) {
    this.#config = config;
    this.#logger = options.logger;
    this.#issuers = new Set(config.issuers);
    this.#reloadCooldownMs = options.keyringReloadCooldownMs ?? KEYRING_RELOAD_COOLDOWN_MS;
    this.#options = {
      algorithms: ['EdDSA'],
      issuer: [...config.issuers],
      audience: config.audience ?? options.serviceName,
      clockTolerance: config.clockToleranceSec,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    };
  }

  /** Whether a (not yet verified) issuer is one of the configured services. */
  isServiceIssuer(issuer: unknown): boolean {
    return typeof issuer === 'string' && this.#issuers.has(issuer);
  }

  /** Reads the keyring; a missing or bad file is a ConfigError naming it. */
  async load(): Promise<void> {
    this.#keys = await readKeyringKeys(this.#config.keyringFile);
    this.#loadedAt = Date.now();
  }

  /** The principal of a token that verified a moment ago, without checking it again. */
  cached(token: string): Principal | undefined {
    return this.#verified.get(token);
  }

  async verify(token: string): Promise<Principal> {
    const cached = this.#verified.get(token);
    if (cached !== undefined) return cached;
    const payload = await verifyBearerJwt(
      token,
      (header: { kid?: string }) => this.#keyFor(header.kid),
      this.#options,
      'service token',
    );
    // requiredClaims made both present, and jose checked both are numbers.
    if ((payload.exp as number) - (payload.iat as number) > this.#config.maxTtlSec) {
      throw new CredentialRejectedError('service token', 'lifetime_too_long');
    }
    const principal = principalFromClaims(payload, 'service-token', 'scope', 'org');
    this.#verified.set(token, principal, trustedUntilMs(payload, undefined));
    return principal;
  }

  async #keyFor(kid: string | undefined): Promise<CryptoKey> {
    if (this.#keys === undefined) {
      throw new AuthUnavailableError('the service token could not be checked: keys not loaded');
    }
    if (kid === undefined) throw new errors.JWKSNoMatchingKey();
    let key = this.#keys.get(kid);
    if (key === undefined && Date.now() - this.#loadedAt >= this.#reloadCooldownMs) {
      await this.#reload();
      key = this.#keys.get(kid);
    }
    if (key === undefined) throw new errors.JWKSNoMatchingKey();
    return key;
  }

  #reload(): Promise<void> {
    this.#reloading ??= this.load()
      .then(() => this.#logger.info('service token keyring reloaded'))
      .catch((error: Error) => {
        // The keys loaded before stay in force; the cooldown starts again either way.
        this.#loadedAt = Date.now();
        this.#logger.warn(
          { error: error.message },
          'service token keyring could not be reloaded; the keys loaded before stay in force',
        );
      })
      .finally(() => {
        this.#reloading = undefined;
      });
    return this.#reloading;
  }
}
