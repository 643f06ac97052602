import { EmbeddingError } from './errors.js';

/** The schema's `vector(384)`: every provider the memory store is given returns this many. */
export const EMBEDDING_DIMENSIONS = 384;

export interface EmbedOptions {
  signal?: AbortSignal;
}

/** One interface for every source of vectors: the local hash, an endpoint, the GPU router. */
export interface EmbeddingProvider {
  /** e.g. 'local-hash', 'openai-compatible:cpu', 'openai-compatible:gpu', 'router'. */
  readonly id: string;
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, in the order given. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** Refuses what is not a list of strings before any work or request is done. */
export function assertTexts(provider: string, texts: readonly string[]): void {
  if (!Array.isArray(texts)) {
    throw new EmbeddingError('BW_EMBEDDINGS_INPUT', `${provider}: texts must be an array`, {
      provider,
    });
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new EmbeddingError(
        'BW_EMBEDDINGS_INPUT',
        `${provider}: texts[${i}] is ${typeof texts[i]}, not a string`,
        { provider },
      );
    }
  }
}
