import { readFile } from 'node:fs/promises';
import {
  type CryptoKey,
  createRemoteJWKSet,
  errors,
  importSPKI,
  importX509,
  type JWTVerifyGetKey,
} from 'jose';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { AuthUnavailableError } from '../auth-errors.js';

type JwtConfig = NonNullable<ServiceConfig['auth']['jwt']>;

/** The shortest HS secret accepted: RFC 7518 §3.2 asks for at least the hash's output size. */
const MIN_HMAC_SECRET_BYTES = 32;

/**
 * Where the identity provider's verification keys come from, as a jose key resolver:
 * a JWKS URL (fetched and cached by jose), one PEM public key or certificate from a file, or an
 * HS shared secret by reference. jose asks the resolver only after the token's alg passed the
 * allow-list, and each key is bound to its algorithm, so an RS public key can never serve as
 * an HMAC secret.
 */
export class JwtKeys {
  readonly #config: JwtConfig;
  readonly #secrets: JwtKeysOptions['secrets'];
  readonly #logger: JwtKeysOptions['logger'];
  #resolve: JWTVerifyGetKey | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(config: JwtConfig, options: JwtKeysOptions) {
    this.#config = config;
    this.#secrets = options.secrets;
    this.#logger = options.logger;
    const sources = [config.jwksUrl, config.publicKeyFile, config.secret].filter(
      (source) => source !== undefined,
    );
    if (sources.length !== 1) {
      throw new ConfigError('auth.jwt needs exactly one of jwksUrl, publicKeyFile or secret');
    }
    if (config.jwksUrl !== undefined) this.#resolve = remoteKeys(config);
  }

  /** False until a file or secret key has been loaded (a JWKS is fetched on first use). */
  get loaded(): boolean {
    return this.#resolve !== undefined;
  }

  get resolve(): JWTVerifyGetKey {
    const resolve = this.#resolve;
    if (resolve === undefined) {
      return () => {
        throw new AuthUnavailableError('the bearer token could not be checked: keys not loaded');
      };
    }
    return resolve;
  }

  /** Reads the key file or the secret; a ConfigError names the file or secret, never a key. */
  async load(): Promise<void> {
    const { publicKeyFile, secret } = this.#config;
    if (publicKeyFile !== undefined)
      this.#resolve = await publicKeyFrom(publicKeyFile, this.#config);
    if (secret !== undefined) {
      this.#resolve = hmacKey(await this.#secrets.get(secret), secret);
      // A rotated secret takes effect without a restart; a too-short one is refused and logged.
      this.#unsubscribe = this.#secrets.onRotation(secret, (value) => {
        try {
          this.#resolve = hmacKey(value, secret);
        } catch (error) {
          this.#logger.warn(
            { error: (error as Error).message },
            'the rotated auth.jwt.secret was refused; the previous secret stays in force',
          );
        }
      });
    }
  }

  close(): void {
    this.#unsubscribe?.();
  }
}

export interface JwtKeysOptions {
  readonly logger: Pick<Logger, 'warn'>;
  readonly secrets: {
    get(reference: string): Promise<string>;
    onRotation(reference: string, callback: (value: string) => void): () => void;
  };
}

/** Timeout for one JWKS fetch: a slow identity provider must not hold requests for long. */
const JWKS_TIMEOUT_MS = 5_000;

function remoteKeys(config: JwtConfig): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl as string), {
    cacheMaxAge: config.jwksCacheMaxAgeMs,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      // No key for the token's kid is the token's fault (401); anything else (refused
      // connection, non-200, bad JSON, timeout) is the provider's (503).
      if (error instanceof errors.JWKSNoMatchingKey) throw error;
      if (error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new AuthUnavailableError(
        "the bearer token could not be checked: the identity provider's keys are unavailable",
        { cause: error },
      );
    }
  };
}

async function publicKeyFrom(path: string, config: JwtConfig): Promise<JWTVerifyGetKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`auth.jwt.publicKeyFile ${path} cannot be read (${code ?? 'error'})`, {
      cause: error,
    });
  }
  const certificate = pem.includes('-----BEGIN CERTIFICATE-----');
  // A CryptoKey is bound to one algorithm: import the key once per configured algorithm it fits
  // (an RSA key fits RS* and PS*, an EC P-256 key only ES256).
  const byAlgorithm = new Map<string, CryptoKey>();
  for (const algorithm of config.algorithms) {
    try {
      const key = certificate ? await importX509(pem, algorithm) : await importSPKI(pem, algorithm);
      byAlgorithm.set(algorithm, key);
    } catch {
      // This algorithm does not fit the key; another may.
    }
  }
  if (byAlgorithm.size === 0) {
    throw new ConfigError(
      `auth.jwt.publicKeyFile ${path} is not a PEM public key (SPKI) or certificate for any of ${config.algorithms.join(', ')}`,
    );
  }
  return (header) => {
    const key = byAlgorithm.get(header.alg);
    if (key === undefined) throw new errors.JWKSNoMatchingKey();
    return key;
  };
}

function hmacKey(value: string, reference: string): JWTVerifyGetKey {
  const key = new TextEncoder().encode(value);
  if (key.byteLength < MIN_HMAC_SECRET_BYTES) {
    throw new ConfigError(
      `auth.jwt.secret ${reference} is shorter than ${MIN_HMAC_SECRET_BYTES} bytes; HS tokens need a longer secret`,
    );
  }
  return () => key;
}
