import { LedgerError, WitnessRejectedError } from './errors.js';

/**
 * The witness holds a different size than the `old` size a submission was proved from (C2SP
 * tlog-witness answers 409 with its size): the caller proves again from `size` and resubmits.
 */
export class WitnessConflictError extends WitnessRejectedError {
  /** The size of the latest checkpoint the witness cosigned. */
  readonly size: number;
  constructor(message: string, size: number) {
    super(message);
    this.size = size;
  }
}

/** A witness could not be reached or did not answer usably (network, timeout, 5xx, bad body). */
export class WitnessUnavailableError extends LedgerError {
  constructor(message: string, options?: ErrorOptions) {
    super('LEDGER_WITNESS_UNAVAILABLE', message, options);
  }
}

/** A witness answered with a checkpoint its cosignature or the log's signature does not vouch for. */
export class UntrustedWitnessAnswerError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_WITNESS_UNTRUSTED_ANSWER', message);
  }
}

/** A witness client was configured with something unusable (a URL that is not http(s)). */
export class WitnessConfigError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_WITNESS_CONFIG', message);
  }
}
