import type { Socket } from 'node:net';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { HealthReport } from '../probes/types.js';
import { ApiKeySource } from './api-keys/api-key-source.js';
import {
  AuthUnavailableError,
  CredentialRejectedError,
  MissingCredentialsError,
  UnsupportedSchemeError,
} from './auth-errors.js';
import { parseAuthorization } from './authorization-header.js';
import { ClientCertificateMap } from './client-certificates.js';
import { JwtVerifier } from './jwt/jwt-verifier.js';
import type { Principal } from './principal.js';
import { ServiceTokenVerifier } from './service-tokens/service-token-verifier.js';

type AuthConfig = ServiceConfig['auth'];

/** What the authenticator needs of the service (a Service satisfies it). */
export interface AuthenticatorHost {
  readonly config: Pick<ServiceConfig, 'name' | 'auth'>;
  readonly logger: Logger;
  readonly secrets: {
    get(reference: string): Promise<string>;
    onRotation(reference: string, callback: (value: string) => void): () => void;
  };
  onStartup(name: string, run: () => Promise<void> | void): void;
  readonly resources: { add(name: string, close: () => Promise<void> | void): void };
  addHealthReport(name: string, report: () => HealthReport): void;
}

/** What one request presents, before any of it is trusted. */
export interface PresentedCredentials {
  readonly socket: Socket;
  readonly authorization: string | undefined;
  readonly apiKey: string | string[] | undefined;
}

/**
 * Turns a request's credentials into a principal, in a fixed order: a mapped client
 * certificate, else the Authorization header (Bearer: a service token when its issuer is a
 * configured service, else the identity provider's JWT; ApiKey: an API key), else the API key
 * header. A credential that is present but fails is refused there and then: falling through to
 * another would let a revoked key be "rescued" by whatever else the request carries.
 */
export class Authenticator {
  readonly #certificates: ClientCertificateMap | undefined;
  readonly #jwt: JwtVerifier | undefined;
  readonly #serviceTokens: ServiceTokenVerifier | undefined;
  readonly #apiKeys: ApiKeySource | undefined;
  readonly #apiKeyHeader: string | undefined;
  /** How each accepted credential is sent, for the 401's message. */
  readonly accepted: readonly string[];
  /** The WWW-Authenticate value of a 401: every scheme this service takes. */
  readonly challenge: string;
  /** The same, saying the bearer token presented was refused (RFC 6750 §3.1). */
  readonly invalidTokenChallenge: string;

  constructor(host: AuthenticatorHost) {
    const auth: AuthConfig = host.config.auth;
    const realm = `realm="${host.config.name}"`;
    const accepted: string[] = [];
    const schemes: string[] = [];
    if (auth.clientCertificates?.length) {
      this.#certificates = new ClientCertificateMap(auth.clientCertificates);
      accepted.push('a client certificate');
    }
    if (auth.jwt !== undefined) {
      this.#jwt = new JwtVerifier(auth.jwt, host);
      const keys = this.#jwt.keys;
      if (!keys.loaded) host.onStartup('auth-jwt-keys', () => keys.load());
      host.resources.add('auth-jwt-keys', () => keys.close());
    }
    if (auth.serviceTokens !== undefined) {
      const verifier = new ServiceTokenVerifier(auth.serviceTokens, {
        serviceName: host.config.name,
        logger: host.logger,
      });
      this.#serviceTokens = verifier;
      host.onStartup('auth-service-token-keyring', () => verifier.load());
    }
    if (this.#jwt !== undefined || this.#serviceTokens !== undefined) {
      accepted.push('a bearer token (Authorization: Bearer)');
      schemes.push(`Bearer ${realm}`);
    }
    if (auth.apiKeys !== undefined) {
      const source = new ApiKeySource({
        ...auth.apiKeys,
        secrets: host.secrets,
        logger: host.logger,
      });
      this.#apiKeys = source;
      this.#apiKeyHeader = auth.apiKeys.header;
      host.onStartup('auth-api-keys', async () => {
        await source.load();
        source.startReloading();
      });
      host.resources.add('auth-api-keys', () => source.close());
      host.addHealthReport('apiKeys', () => source.health());
      accepted.push(`an API key (${auth.apiKeys.header} header, or Authorization: ApiKey)`);
      schemes.push(`ApiKey ${realm}, header="${auth.apiKeys.header}"`);
    }
    if (accepted.length === 0) {
      throw new ConfigError(
        'auth.mode is required, but no credential is configured: set auth.apiKeys, auth.jwt, auth.serviceTokens or auth.clientCertificates',
      );
    }
    // A 401 must carry a challenge (RFC 9110 §15.5.2); a certificate-only service names TLS.
    if (schemes.length === 0) schemes.push(`ClientCertificate ${realm}`);
    this.accepted = accepted;
    this.challenge = schemes.join(', ');
    this.invalidTokenChallenge = schemes
      .map((scheme) => (scheme.startsWith('Bearer ') ? `${scheme}, error="invalid_token"` : scheme))
      .join(', ');
  }

  /**
   * The request's principal: returned directly when it could be decided without waiting
   * (certificates, API keys), a promise when a signature must be checked. Throws (or rejects
   * with) a typed 401, or a 503 when the keys to check it are unavailable.
   */
  authenticate(presented: PresentedCredentials): Principal | Promise<Principal> {
    if (this.#certificates !== undefined) {
      const principal = this.#certificates.principalOf(presented.socket);
      if (principal !== undefined) return principal;
    }
    const { authorization } = presented;
    if (authorization !== undefined) {
      const { scheme, credentials } = parseAuthorization(authorization);
      if (scheme === 'bearer' && (this.#jwt !== undefined || this.#serviceTokens !== undefined)) {
        if (credentials === '') throw new CredentialRejectedError('bearer token', 'malformed');
        return this.#bearer(credentials);
      }
      if (scheme === 'apikey' && this.#apiKeys !== undefined) {
        if (credentials === '') throw new CredentialRejectedError('API key', 'malformed');
        return this.#apiKey(credentials);
      }
      throw new UnsupportedSchemeError(this.accepted);
    }
    if (this.#apiKeyHeader !== undefined) {
      const key = presented.apiKey;
      if (key !== undefined) {
        if (typeof key !== 'string') throw new CredentialRejectedError('API key', 'malformed');
        return this.#apiKey(key);
      }
    }
    throw new MissingCredentialsError(this.accepted);
  }

  get apiKeyHeader(): string | undefined {
    return this.#apiKeyHeader;
  }

  #bearer(token: string): Principal | Promise<Principal> {
    // A token that verified a moment ago is answered without waiting (VerifiedTokenCache).
    const cached = this.#jwt?.cached(token) ?? this.#serviceTokens?.cached(token);
    if (cached !== undefined) return cached;
    const serviceTokens = this.#serviceTokens;
    if (serviceTokens !== undefined) {
      // The issuer only routes the token to a verifier; each verifier checks it for itself.
      let issuer: unknown;
      try {
        issuer = decodeJwt(token).iss;
      } catch {
        throw new CredentialRejectedError('bearer token', 'malformed');
      }
      if (this.#jwt === undefined || serviceTokens.isServiceIssuer(issuer)) {
        return serviceTokens.verify(token);
      }
    }
    return (this.#jwt as JwtVerifier).verify(token);
  }

  #apiKey(text: string): Principal {
    const keys = this.#apiKeys?.keys;
    if (keys === undefined) {
      throw new AuthUnavailableError('the API key could not be checked: keys not loaded yet');
    }
    const check = keys.check(text);
    if (!check.ok) throw new CredentialRejectedError('API key', check.reason);
    return check.principal;
  }
}
