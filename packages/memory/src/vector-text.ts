import { MemoryInputError } from './errors.js';
import type { VectorInput } from './types.js';

/** The schema's `vector(384)`. */
export const MEMORY_DIMENSIONS = 384;

/**
 * pgvector's text form ('[1,2,3]'): the one representation both pg and PGlite accept as a bound
 * parameter without a custom type serializer, so the same SQL runs on both.
 */
export function vectorText(vector: VectorInput, what = 'embedding'): string {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw new MemoryInputError(`${what} must be an array of ${MEMORY_DIMENSIONS} numbers`);
  }
  if (vector.length !== MEMORY_DIMENSIONS) {
    throw new MemoryInputError(
      `${what} has ${vector.length} dimensions; the store holds ${MEMORY_DIMENSIONS}`,
    );
  }
  let zero = true;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new MemoryInputError(`${what}[${i}] is not a finite number`);
    }
    if (x !== 0) zero = false;
  }
  // Cosine distance to a zero vector is undefined (NaN): refuse it here, not in a query.
  if (zero) throw new MemoryInputError(`${what} is all zeros; cosine distance is undefined`);
  return `[${Array.prototype.join.call(vector, ',')}]`;
}

/** Reads pgvector's text form back ('[1,2,3]'); pg and PGlite both return it as a string. */
export function parseVectorText(text: unknown): Float32Array | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string') return Float32Array.from(text as ArrayLike<number>);
  return Float32Array.from(JSON.parse(text) as number[]);
}
