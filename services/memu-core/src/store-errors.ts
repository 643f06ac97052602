import { DependencyUnavailableError, NotFoundError, ValidationError } from '@bulwark/kit';
import {
  EmbeddingError,
  MemoryConflictError,
  MemoryInputError,
  MemoryLegalHoldError,
  MemoryNoEmbeddingsError,
  MemoryNotFoundError,
} from '@bulwark/memory';
import { LegalHoldError, MemoryClosedError } from './errors.js';

/**
 * Runs a store call and turns its typed errors into the kit's, so each becomes problem+json
 * with the right status: input 400, unknown id 404, a closed memory or a legal hold 409, an
 * embeddings endpoint that fails 503. Anything else stays a 500 (its message is not shown).
 */
export async function translateStoreErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translate(error);
  }
}

function translate(error: unknown): unknown {
  const options = { cause: error };
  if (error instanceof MemoryInputError) return new ValidationError(error.message, options);
  if (error instanceof MemoryNotFoundError) return new NotFoundError(error.message, options);
  if (error instanceof MemoryConflictError) return new MemoryClosedError(error.message, options);
  if (error instanceof MemoryLegalHoldError) return new LegalHoldError(error.message, options);
  if (error instanceof MemoryNoEmbeddingsError || error instanceof EmbeddingError) {
    return new DependencyUnavailableError('the embeddings endpoint cannot embed the text', options);
  }
  return error;
}
