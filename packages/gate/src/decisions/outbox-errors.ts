import { GateError } from '../errors.js';

/**
 * Errors of the decision outbox besides OutboxFullError (errors.ts): each stops the gate from
 * answering a decision it could not make durable, rather than answer and lose the record.
 */

/** record(), pending() or acknowledge() after close(). */
export class OutboxClosedError extends GateError {
  constructor(message = 'the decision outbox is closed', options?: ErrorOptions) {
    super('BW_GATE_OUTBOX_CLOSED', 503, message, options);
  }
}

/** Another live process (or this one) has the outbox directory open. */
export class OutboxInUseError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_OUTBOX_IN_USE', 500, message, options);
  }
}

/**
 * A write or fdatasync failed. After a failed fsync the kernel may have dropped the dirty pages,
 * so nothing written since the last good sync can be trusted: the outbox refuses every record
 * until it is reopened (which re-reads what is really on disk).
 */
export class OutboxWriteError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_OUTBOX_WRITE', 503, message, options);
  }
}

/** A segment or the cursor holds bytes that are not what the outbox wrote (not a torn tail). */
export class OutboxCorruptError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_OUTBOX_CORRUPT', 500, message, options);
  }
}

/**
 * A record the ledger would refuse (a name outside its alphabet, a payload over its size limit,
 * a value JSON cannot hold). Refused before it is written: once in the outbox, it would stall
 * delivery of every record behind it.
 */
export class UnshippableRecordError extends GateError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_GATE_RECORD_UNSHIPPABLE', 500, message, options);
  }
}
