import { BulwarkError } from '../errors.js';

/** Over a rate limit: 429. The Retry-After and RateLimit headers are set before it is thrown. */
export class RateLimitedError extends BulwarkError {
  readonly retryAfterSec: number;

  constructor(retryAfterSec: number, options?: ErrorOptions) {
    super(
      'BW_RATE_LIMITED',
      429,
      `too many requests: retry after ${retryAfterSec} s (see the Retry-After header)`,
      options,
    );
    this.retryAfterSec = retryAfterSec;
  }
}

/**
 * The rate-limit store did not answer in time (or at all) and `rateLimit.onStoreError` is
 * 'closed': 503 with Retry-After, so well-behaved clients back off rather than hammer.
 */
export class RateLimitStoreUnavailableError extends BulwarkError {
  constructor(options?: ErrorOptions) {
    super('BW_RATE_LIMIT_UNAVAILABLE', 503, 'the rate-limit store is unavailable', {
      ...options,
      expose: true,
    });
  }
}
