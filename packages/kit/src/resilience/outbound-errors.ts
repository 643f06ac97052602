import { BulwarkError } from '../errors.js';

/**
 * The breaker for an upstream is open: the call failed fast, nothing was sent. The message
 * names the origin only (never the path or query, which may carry a caller's token).
 */
export class UpstreamCircuitOpenError extends BulwarkError {
  readonly upstream: string;

  constructor(upstream: string, options?: ErrorOptions) {
    super(
      'BW_UPSTREAM_CIRCUIT_OPEN',
      503,
      `the circuit to ${upstream} is open after repeated failures`,
      options,
    );
    this.upstream = upstream;
  }
}

/** The upstream's bulkhead is full (every slot busy, the queue full): refused at once. */
export class UpstreamBusyError extends BulwarkError {
  readonly upstream: string;

  constructor(upstream: string, options?: ErrorOptions) {
    super('BW_UPSTREAM_BUSY', 503, `too many calls to ${upstream} are already in flight`, options);
    this.upstream = upstream;
  }
}
