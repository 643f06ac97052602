import { BulwarkError } from '../errors.js';

/*
 * The secrets' errors name the secret and the provider, never a value: no message quotes what a
 * provider returned, and no error carries a provider's own error as its cause, since that can
 * hold the value (a JSON parser's "Unexpected token … in '{"password":…'") or a credential (an
 * SDK error's raw response). All are 5xx: a caller sees only the errorId.
 */

/** Text given as a secret reference is not one, or names a path outside its provider. */
export class SecretReferenceError extends BulwarkError {
  constructor(message: string) {
    super('BW_SECRET_REFERENCE_INVALID', 500, message);
  }
}

/** No provider has the secret (or the field of it). */
export class SecretNotFoundError extends BulwarkError {
  readonly secret: string;
  readonly providers: readonly string[];

  constructor(secret: string, providers: readonly string[]) {
    const asked = providers.length === 0 ? 'no provider is configured' : providers.join(', ');
    super('BW_SECRET_NOT_FOUND', 500, `secret "${secret}" was not found (asked: ${asked})`);
    this.secret = secret;
    this.providers = providers;
  }
}

/** A provider could not answer: Vault or AWS down or refusing, a file unreadable. */
export class SecretProviderError extends BulwarkError {
  readonly secret: string;
  readonly provider: string;

  constructor(provider: string, secret: string, problem: string) {
    super(
      'BW_SECRET_PROVIDER_FAILED',
      503,
      `${provider} could not read secret "${secret}": ${problem}`,
    );
    this.secret = secret;
    this.provider = provider;
  }
}

/** The secret exists but is not what the reference needs: no JSON object for a #field, too big. */
export class SecretFormatError extends BulwarkError {
  readonly secret: string;
  readonly provider: string;

  constructor(provider: string, secret: string, problem: string) {
    super('BW_SECRET_FORMAT', 500, `secret "${secret}" from ${provider} ${problem}`);
    this.secret = secret;
    this.provider = provider;
  }
}

export class SecretStoreClosedError extends BulwarkError {
  constructor() {
    super('BW_SECRET_STORE_CLOSED', 503, 'the secret store is closed');
  }
}

/** A short, value-free description of an error some library threw: its name and code only. */
export function errorKind(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const { name, code } = error as { name?: unknown; code?: unknown };
  const kind = typeof name === 'string' ? name : 'Error';
  return typeof code === 'string' && code !== kind ? `${kind} ${code}` : kind;
}
