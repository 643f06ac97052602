import { BulwarkError } from '../errors.js';

/** The process is overloaded (event loop lagging or heap nearly full): 503 with Retry-After. */
export class OverloadedError extends BulwarkError {
  readonly retryAfterSec: number;

  constructor(retryAfterSec: number, options?: ErrorOptions) {
    super('BW_OVERLOADED', 503, 'the service is overloaded; retry later', {
      ...options,
      expose: true,
    });
    this.retryAfterSec = retryAfterSec;
  }
}
