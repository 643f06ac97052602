import { BulwarkError } from '@bulwark/kit';

/**
 * The witness's refusals, with the statuses C2SP tlog-witness assigns them. The kit renders
 * each as problem+json except OldSizeConflictError, whose body the spec fixes (the size held).
 */
export class MalformedRequestError extends BulwarkError {
  constructor(message: string) {
    super('WITNESS_BAD_REQUEST', 400, message);
  }
}

export class UnknownOriginError extends BulwarkError {
  constructor(origin: string) {
    super('WITNESS_UNKNOWN_ORIGIN', 404, `this witness does not witness the log ${origin}`);
  }
}

export class LogSignatureError extends BulwarkError {
  constructor(origin: string) {
    super(
      'WITNESS_BAD_LOG_SIGNATURE',
      403,
      `no signature on the checkpoint verifies with a key this witness trusts for ${origin}`,
    );
  }
}

export class OldSizeConflictError extends BulwarkError {
  /** The size of the latest checkpoint this witness cosigned for the log. */
  readonly size: number;
  constructor(message: string, size: number) {
    super('WITNESS_OLD_SIZE_CONFLICT', 409, message);
    this.size = size;
  }
}

export class InconsistentProofError extends BulwarkError {
  constructor(oldSize: number, size: number) {
    super(
      'WITNESS_BAD_PROOF',
      422,
      `the consistency proof from size ${oldSize} to ${size} does not verify against the checkpoint this witness holds`,
    );
  }
}

export class NoCheckpointError extends BulwarkError {
  constructor(origin: string) {
    super('WITNESS_NO_CHECKPOINT', 404, `this witness holds no checkpoint of ${origin} yet`);
  }
}
