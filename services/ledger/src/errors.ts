import {
  BulwarkError,
  ConflictError,
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
  return error;
}

export async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toHttpError(error);
  }
}
