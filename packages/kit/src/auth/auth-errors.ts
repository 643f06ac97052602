import { DependencyUnavailableError, ForbiddenError, UnauthorizedError } from '../errors.js';

/**
 * Why a request was refused: the `reason` label of `auth_failures_total`, and what the 401's
 * message says in words. Each names a kind of failure and never the credential itself.
 */
export type AuthFailureReason =
  | 'missing'
  | 'unsupported_scheme'
  | 'malformed'
  | 'unknown_key'
  | 'revoked'
  | 'expired'
  | 'not_yet_valid'
  | 'too_old'
  | 'lifetime_too_long'
  | 'bad_signature'
  | 'algorithm_not_allowed'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'missing_claim'
  | 'invalid_claim'
  | 'insufficient_scope'
  | 'keys_unavailable';

/** What kind of credential failed, for the message and for the WWW-Authenticate challenge. */
export type CredentialKind = 'API key' | 'bearer token' | 'service token';

/**
 * A credential was presented and refused. The code stays BW_UNAUTHORIZED (what clients branch
 * on); `reason` says which check failed. The message is written here from fixed parts, so no
 * text the caller sent can reach the response.
 */
export class CredentialRejectedError extends UnauthorizedError {
  readonly reason: AuthFailureReason;
  readonly credential: CredentialKind;

  constructor(credential: CredentialKind, reason: AuthFailureReason, options?: ErrorOptions) {
    super(`the ${credential} ${REJECTION_TEXT[reason]}`, options);
    this.reason = reason;
    this.credential = credential;
  }
}

const REJECTION_TEXT: Record<AuthFailureReason, string> = {
  missing: 'is missing',
  unsupported_scheme: 'is not accepted by this service',
  malformed: 'is malformed',
  unknown_key: 'is not one this service knows (unknown key or wrong secret)',
  revoked: 'has been revoked',
  expired: 'has expired',
  not_yet_valid: 'is not valid yet',
  too_old: 'was issued longer ago than this service accepts',
  lifetime_too_long: 'lives longer than this service accepts for its kind',
  bad_signature: 'has a signature that does not verify',
  algorithm_not_allowed: 'uses a signing algorithm this service does not accept',
  wrong_audience: 'was issued for another audience',
  wrong_issuer: 'comes from an issuer this service does not accept',
  missing_claim: 'lacks a required claim',
  invalid_claim: 'carries a claim with an invalid value',
  insufficient_scope: 'lacks a scope this route needs',
  keys_unavailable: 'could not be checked: the issuer keys are unavailable',
};

/** No credential at all. The reply carries a WWW-Authenticate challenge naming what is taken. */
export class MissingCredentialsError extends UnauthorizedError {
  readonly reason = 'missing' as const;

  constructor(accepted: readonly string[], options?: ErrorOptions) {
    super(`this route needs credentials: ${accepted.join(', or ')}`, options);
  }
}

/** The Authorization header names a scheme this service does not take (Basic, Digest, …). */
export class UnsupportedSchemeError extends UnauthorizedError {
  readonly reason = 'unsupported_scheme' as const;

  constructor(accepted: readonly string[], options?: ErrorOptions) {
    super(`the Authorization scheme is not accepted here; send ${accepted.join(', or ')}`, options);
  }
}

/** Authenticated, but the route needs scopes the principal does not hold (403). */
export class InsufficientScopeError extends ForbiddenError {
  readonly reason = 'insufficient_scope' as const;
  /** The route's scopes the principal lacks: declared by the code, so safe to name. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[], options?: ErrorOptions) {
    super(`this route needs the scope(s) ${missing.join(', ')}, which the caller lacks`, options);
    this.missing = missing;
  }
}

/**
 * The credential could not be checked at all: the identity provider's JWKS did not answer, or
 * the key documents are not loaded yet. 503, since the caller did nothing wrong.
 */
export class AuthUnavailableError extends DependencyUnavailableError {
  readonly reason = 'keys_unavailable' as const;
}
