import { GateError } from '../errors.js';

/**
 * Why a call to the ledger service failed, by what the caller should do next: retry
 * (unreachable), re-read the stream tail (moved), or stop and tell an operator (refused).
 */

/**
 * No usable answer: connection refused or reset, a timeout, a 5xx, a 408 or 429, or a reply
 * that is not what the ledger sends. A batch may or may not have landed: ask before resending.
 */
export class LedgerUnreachableError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_LEDGER_UNREACHABLE', 503, message, options);
  }
}

/** A conditional batch found the stream's newest entry elsewhere than expected (409): nothing landed. */
export class LedgerStreamMovedError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_LEDGER_STREAM_MOVED', 409, message, options);
  }
}

/**
 * The ledger answered 4xx: it will refuse the same request again, so resending forever would
 * only hide the problem. `status` and `problemCode` are the ledger's.
 */
export class LedgerRefusedError extends GateError {
  readonly httpStatus: number;
  readonly problemCode: string | undefined;

  constructor(
    httpStatus: number,
    problemCode: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super('BW_GATE_LEDGER_REFUSED', 502, message, options);
    this.httpStatus = httpStatus;
    this.problemCode = problemCode;
  }
}

/**
 * The ledger stream does not match the outbox: its newest entry carries no outboxSeq, or one
 * this outbox never wrote. Another writer shares the stream, or the outbox was reset; either
 * way, skipping or resending could lose or duplicate records, so delivery stops.
 */
export class LedgerStreamMismatchError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_LEDGER_STREAM_MISMATCH', 500, message, options);
  }
}
