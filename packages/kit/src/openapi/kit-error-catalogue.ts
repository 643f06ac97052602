import {
  AuthUnavailableError,
  CredentialRejectedError,
  InsufficientScopeError,
  MissingCredentialsError,
  UnsupportedSchemeError,
} from '../auth/auth-errors.js';
import {
  type BulwarkError,
  ConfigError,
  ConflictError,
  DependencyUnavailableError,
  ForbiddenError,
  JsonTooDeepError,
  MethodNotAllowedError,
  NotFoundError,
  ResponseTooLargeError,
  ShuttingDownError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { RateLimitedError, RateLimitStoreUnavailableError } from '../limits/rate-limit-errors.js';
import { UpstreamBusyError, UpstreamCircuitOpenError } from '../resilience/outbound-errors.js';
import {
  SecretFormatError,
  SecretNotFoundError,
  SecretProviderError,
  SecretReferenceError,
  SecretStoreClosedError,
} from '../secrets/secret-errors.js';
import { OverloadedError } from '../shedding/shedding-errors.js';
import { NoHttpApiError, OpenApiDisabledError } from './openapi-errors.js';

/**
 * When the kit itself can answer a route with a code, which decides the operations whose
 * documented error responses name it:
 *
 * - `every-route`: any operation (an unexpected failure, a process shedding load or stopping).
 * - `validated-input`: an operation with a body, querystring, params or headers schema.
 * - `request-body`: an operation that takes a body (a body schema, or POST, PUT, PATCH).
 * - `authenticated`: an operation that needs a principal (auth.mode required, no `auth: false`).
 * - `path-parameters`: an operation whose path has parameters (the handler finds no such thing).
 * - `rate-limited`: an operation rate limiting applies to.
 * - `route-code`: only when the route's own code throws it, or calls what does (service.http,
 *   service.secrets): the route documents it in its own response schema.
 * - `unrouted`: answered for a request that matched no operation (a known path, another method).
 * - `process`: fails the process (a start, a document dump); never an HTTP answer.
 */
export type KitErrorOccasion =
  | 'every-route'
  | 'validated-input'
  | 'request-body'
  | 'authenticated'
  | 'path-parameters'
  | 'rate-limited'
  | 'route-code'
  | 'unrouted'
  | 'process';

/** A kit error class, whatever its constructor takes. */
export type KitErrorClass = abstract new (...args: never[]) => BulwarkError;

export interface KitErrorEntry {
  /** The problem's `code`, stable: what clients branch on. */
  readonly code: string;
  readonly status: number;
  /**
   * The classes that carry the code. Empty for the codes the error handler gives to errors that
   * are not the kit's own (an unparsable JSON body, a body over the limit, an unexpected throw).
   */
  readonly classes: readonly KitErrorClass[];
  readonly occasion: KitErrorOccasion;
  /** When it is answered, in a few words, for the operation's response description. */
  readonly meaning: string;
}

/**
 * Every code a kit service's problem+json answers can carry, with its status, the classes that
 * carry it and when. The documented error responses of each operation are derived from it
 * (problem-responses.ts); a test checks every class against its real code and status, and that
 * every error class the kit exports is listed here.
 */
export const KIT_ERROR_CATALOGUE: readonly KitErrorEntry[] = [
  {
    code: 'BW_VALIDATION',
    status: 400,
    classes: [ValidationError],
    occasion: 'validated-input',
    meaning: "a body field, query parameter, path parameter or header fails the route's schema",
  },
  {
    code: 'BW_JSON_TOO_DEEP',
    status: 400,
    classes: [JsonTooDeepError],
    occasion: 'request-body',
    meaning: 'the JSON body is nested deeper than http.maxJsonDepth',
  },
  {
    code: 'BW_HTTP_400',
    status: 400,
    classes: [],
    occasion: 'request-body',
    meaning: 'the body is not valid JSON, or is empty with a JSON content type',
  },
  {
    code: 'BW_UNAUTHORIZED',
    status: 401,
    classes: [
      UnauthorizedError,
      MissingCredentialsError,
      UnsupportedSchemeError,
      CredentialRejectedError,
    ],
    occasion: 'authenticated',
    meaning:
      'no credential, or one that was refused (the WWW-Authenticate header names what is taken)',
  },
  {
    code: 'BW_FORBIDDEN',
    status: 403,
    classes: [ForbiddenError, InsufficientScopeError],
    occasion: 'authenticated',
    meaning: 'the caller lacks a scope the route needs',
  },
  {
    code: 'BW_NOT_FOUND',
    status: 404,
    classes: [NotFoundError],
    occasion: 'path-parameters',
    meaning: 'nothing exists at the path parameters given',
  },
  {
    code: 'BW_METHOD_NOT_ALLOWED',
    status: 405,
    classes: [MethodNotAllowedError],
    occasion: 'unrouted',
    meaning: 'the path exists under other methods (the Allow header lists them)',
  },
  {
    code: 'BW_CONFLICT',
    status: 409,
    classes: [ConflictError],
    occasion: 'route-code',
    meaning: "the request conflicts with the resource's current state",
  },
  {
    code: 'BW_HTTP_413',
    status: 413,
    classes: [],
    occasion: 'request-body',
    meaning: 'the body is larger than http.bodyLimitBytes',
  },
  {
    code: 'BW_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    classes: [UnsupportedMediaTypeError],
    occasion: 'request-body',
    meaning: 'the body is in a media type the route does not take (send application/json)',
  },
  {
    code: 'BW_RATE_LIMITED',
    status: 429,
    classes: [RateLimitedError],
    occasion: 'rate-limited',
    meaning: 'over a rate limit (Retry-After says when to try again)',
  },
  {
    code: 'BW_INTERNAL',
    status: 500,
    classes: [],
    occasion: 'every-route',
    meaning: 'an unexpected failure; quote the errorId when reporting it',
  },
  {
    code: 'BW_SECRET_REFERENCE_INVALID',
    status: 500,
    classes: [SecretReferenceError],
    occasion: 'route-code',
    meaning: 'a secret reference the route resolved is malformed',
  },
  {
    code: 'BW_SECRET_NOT_FOUND',
    status: 500,
    classes: [SecretNotFoundError],
    occasion: 'route-code',
    meaning: 'a secret the route needs does not exist',
  },
  {
    code: 'BW_SECRET_FORMAT',
    status: 500,
    classes: [SecretFormatError],
    occasion: 'route-code',
    meaning: 'a secret the route needs is not in the form its reference asks for',
  },
  {
    code: 'BW_RESPONSE_TOO_LARGE',
    status: 502,
    classes: [ResponseTooLargeError],
    occasion: 'route-code',
    meaning: "an upstream's answer was larger than the route allows",
  },
  {
    code: 'BW_OVERLOADED',
    status: 503,
    classes: [OverloadedError],
    occasion: 'every-route',
    meaning: 'the service is shedding load (Retry-After says when to try again)',
  },
  {
    code: 'BW_SHUTTING_DOWN',
    status: 503,
    classes: [ShuttingDownError],
    occasion: 'every-route',
    meaning: 'the service is draining before it stops',
  },
  {
    code: 'BW_DEPENDENCY_UNAVAILABLE',
    status: 503,
    classes: [DependencyUnavailableError, AuthUnavailableError],
    occasion: 'every-route',
    meaning: 'a dependency is down (a database, the identity provider keys)',
  },
  {
    code: 'BW_RATE_LIMIT_UNAVAILABLE',
    status: 503,
    classes: [RateLimitStoreUnavailableError],
    occasion: 'rate-limited',
    meaning: 'the rate-limit store is down and the service fails closed',
  },
  {
    code: 'BW_UPSTREAM_CIRCUIT_OPEN',
    status: 503,
    classes: [UpstreamCircuitOpenError],
    occasion: 'route-code',
    meaning: 'the circuit to an upstream the route calls is open',
  },
  {
    code: 'BW_UPSTREAM_BUSY',
    status: 503,
    classes: [UpstreamBusyError],
    occasion: 'route-code',
    meaning: 'too many calls to an upstream the route calls are in flight',
  },
  {
    code: 'BW_SECRET_PROVIDER_FAILED',
    status: 503,
    classes: [SecretProviderError],
    occasion: 'route-code',
    meaning: 'the secret provider (Vault, AWS, a directory) could not answer',
  },
  {
    code: 'BW_SECRET_STORE_CLOSED',
    status: 503,
    classes: [SecretStoreClosedError],
    occasion: 'route-code',
    meaning: 'the secret store is closed (the service is stopping)',
  },
  {
    code: 'BW_CONFIG_INVALID',
    status: 500,
    classes: [ConfigError],
    occasion: 'process',
    meaning: 'the configuration is invalid; the service does not start',
  },
  {
    code: 'BW_OPENAPI_DISABLED',
    status: 500,
    classes: [OpenApiDisabledError],
    occasion: 'process',
    meaning: 'the document was asked for with openapi.enabled false',
  },
  {
    code: 'BW_OPENAPI_NO_HTTP_API',
    status: 500,
    classes: [NoHttpApiError],
    occasion: 'process',
    meaning: 'a document dump was asked of a worker',
  },
];
