import { BulwarkError } from '@bulwark/kit';

/**
 * memu-core's refusals, each with a stable code. They are BulwarkErrors, so the kit answers
 * them as problem+json with their status; the store's own errors are mapped onto these in
 * store-errors.ts.
 */

/** Superseding or forgetting a memory that is already closed (superseded or forgotten). */
export class MemoryClosedError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('MEMU_MEMORY_CLOSED', 409, message, options);
  }
}

/** Forgetting a memory whose namespace is under legal hold. */
export class LegalHoldError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('MEMU_LEGAL_HOLD', 409, message, options);
  }
}

/** A namespace with no retention policy (an unknown memory id is the kit's NotFoundError). */
export class RetentionPolicyNotFoundError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('MEMU_NO_RETENTION_POLICY', 404, message, options);
  }
}
