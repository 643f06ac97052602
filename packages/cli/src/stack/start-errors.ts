import { UsageError } from '../exit-codes.js';

/** A stack port that something else already holds, found before anything was started. */
export class PortInUseError extends UsageError {
  readonly code = 'BW_UP_PORT_IN_USE';
}

/**
 * The stack could not be started. `tail` holds the last lines the failing service logged in this
 * run, for the user to see the cause without opening the log file.
 */
export class StackStartError extends Error {
  readonly code: string;
  readonly service: string;
  readonly tail: readonly string[];

  constructor(code: string, service: string, message: string, tail: readonly string[] = []) {
    super(message);
    this.code = code;
    this.service = service;
    this.tail = tail;
  }
}

/** A service process ended (any exit code) before it was ready. */
export class ServiceExitedError extends StackStartError {
  constructor(service: string, message: string, tail: readonly string[]) {
    super('BW_UP_SERVICE_EXITED', service, message, tail);
  }
}

/** A service was still not ready when its time ran out. */
export class ServiceNotReadyError extends StackStartError {
  constructor(service: string, message: string, tail: readonly string[]) {
    super('BW_UP_NOT_READY', service, message, tail);
  }
}

/** A service reported a port other than the one the stack gave it. */
export class WrongPortError extends StackStartError {
  constructor(service: string, message: string, tail: readonly string[]) {
    super('BW_UP_WRONG_PORT', service, message, tail);
  }
}
