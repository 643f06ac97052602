import { ConflictError, NotFoundError, ShuttingDownError, ValidationError } from '@bulwark/kit';
import {
  InconsistentCheckpointError,
  InvalidEntryError,
  LedgerClosedError,
  NoteError,
  OutOfRangeError,
  WitnessRejectedError,
} from '@bulwark/ledger';

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
