import { errors } from 'jose';
import {
  type AuthFailureReason,
  AuthUnavailableError,
  type CredentialKind,
  CredentialRejectedError,
} from '../auth-errors.js';

/**
 * jose's verification error as the kit's: a 401 whose reason names the check that failed, or a
 * 503 when the keys could not be fetched. jose's own messages are not passed on: some quote
 * claim values, which the caller wrote.
 */
export function rejectionFromJose(
  error: unknown,
  credential: CredentialKind,
): CredentialRejectedError | AuthUnavailableError {
  if (error instanceof CredentialRejectedError || error instanceof AuthUnavailableError) {
    return error;
  }
  const reason = reasonOf(error);
  if (reason === 'keys_unavailable') {
    return new AuthUnavailableError(
      `the ${credential} could not be checked: the issuer's keys are unavailable`,
      { cause: error },
    );
  }
  return new CredentialRejectedError(credential, reason, { cause: error });
}

function reasonOf(error: unknown): AuthFailureReason {
  if (error instanceof errors.JWTExpired) {
    // maxTokenAge reports an iat too far in the past as expiry.
    return error.claim === 'iat' ? 'too_old' : 'expired';
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'missing_claim';
    switch (error.claim) {
      case 'nbf':
      case 'iat':
        // An iat in the future, beyond the clock tolerance, is a token not valid yet.
        return error.reason === 'check_failed' ? 'not_yet_valid' : 'invalid_claim';
      case 'aud':
        return 'wrong_audience';
      case 'iss':
        return 'wrong_issuer';
      default:
        return 'invalid_claim';
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return 'algorithm_not_allowed';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return 'unknown_key';
  }
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error instanceof errors.JWKInvalid ||
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  ) {
    return 'keys_unavailable';
  }
  // JWSInvalid, JWTInvalid, and the TypeErrors jose raises for claims of the wrong type.
  return 'malformed';
}
