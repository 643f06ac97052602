import {
  BulwarkError,
  ConflictError,
  DependencyUnavailableError,
  NotFoundError,
  ShuttingDownError,
  ValidationError,
} from '@bulwark/kit';
import {
  InconsistentCheckpointError,
  InvalidEntryError,
  LedgerClosedError,
  NoteError,
  OutOfRangeError,
  UntrustedWitnessAnswerError,
  WitnessRejectedError,
  WitnessUnavailableError,
} from '@bulwark/ledger';

/**
 * A witness could not take a checkpoint that is already signed and stored. A 503 whose detail
 * is shown (unlike the kit's generic 5xx): which witness, and why, is what the caller needs, and
 * it holds no secret (witness names carry no credentials).
 */
export class WitnessUnavailableProblem extends BulwarkError {
  override readonly expose = true;
  constructor(message: string, options?: ErrorOptions) {
    super(
      'LEDGER_WITNESS_UNAVAILABLE',
      503,
      `the checkpoint is signed and stored, but a witness did not take it: ${message}`,
      options,
    );
  }
}

/**
 * The database went away (stopped, restarted, network cut): node-postgres reports it as a socket
 * error, a terminated connection, or a SQLSTATE of class 08 (connection exception) or 57P0x
 * (the server shutting down). The caller should retry elsewhere or later: a 503, not a 500.
 */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
]);
const SHUTDOWN_SQLSTATES = new Set(['57P01', '57P02', '57P03']);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (CONNECTION_ERRNOS.has(code) || SHUTDOWN_SQLSTATES.has(code) || /^08/.test(code)) {
        return true;
      }
    }
    if (/Connection terminated|connection error and is not queryable/i.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}

/** Maps ledger errors to the kit's typed HTTP errors; anything else stays a 500. */
export function toHttpError(error: unknown): unknown {
  if (error instanceof InvalidEntryError)
    return new ValidationError(error.message, { cause: error });
  if (error instanceof OutOfRangeError) return new NotFoundError(error.message, { cause: error });
  if (
    error instanceof InconsistentCheckpointError ||
    error instanceof WitnessRejectedError ||
    error instanceof NoteError
  ) {
    return new ConflictError(error.message, { cause: error });
  }
  // The checkpoint is signed and stored; a witness could not take it (or answered wrongly).
  if (error instanceof WitnessUnavailableError || error instanceof UntrustedWitnessAnswerError) {
    return new WitnessUnavailableProblem(error.message, { cause: error });
  }
  if (error instanceof LedgerClosedError) return new ShuttingDownError({ cause: error });
  // Last: the typed errors above may carry a socket error as their cause (a witness that is
  // down), and say more than this does.
  if (isDatabaseUnavailable(error)) {
    return new DependencyUnavailableError('the ledger database is unavailable', { cause: error });
  }
  return error;
}

export async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toHttpError(error);
  }
}
