import { normalizeInPlace } from './cosine.js';
import { EmbeddingError } from './errors.js';
import { featureHash } from './feature-hash.js';
import {
  assertTexts,
  EMBEDDING_DIMENSIONS,
  type EmbeddingProvider,
  type EmbedOptions,
} from './provider.js';

export interface LocalHashOptions {
  /** Default 384, the schema's vector size. */
  dimensions?: number;
  /** Character n-gram lengths taken inside each word (with boundary marks); default 3 to 5. */
  charNgrams?: { min: number; max: number };
}

/** Versioned: a change to the features makes new vectors incomparable with stored ones. */
export const LOCAL_HASH_MODEL = 'bulwark-feature-hash-v1';

const WORD = /[\p{L}\p{N}]+/gu;
/** Weights per feature family: whole words count most, their parts least. */
const UNIGRAM_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.7;
const CHAR_NGRAM_WEIGHT = 0.4;
const INDEX_SEED = 0x5eed_0001;
const SIGN_SEED = 0x5eed_0002;
/** Text with no letters or digits still gets a direction, so cosine is defined for it. */
const EMPTY_FEATURE = '\u0000empty';

/**
 * The embedded default: feature hashing (the "hashing trick") of word unigrams, word bigrams and
 * character n-grams into a fixed number of dimensions, each feature adding its weight with a sign
 * from a second hash (so collisions cancel out on average rather than pile up), then scaled to
 * unit length. Deterministic, no download, microseconds per text. It measures shared words and
 * spellings, not meaning: see docs/embeddings.md.
 */
export class LocalHashEmbeddingProvider implements EmbeddingProvider {
  readonly id = 'local-hash';
  readonly model = LOCAL_HASH_MODEL;
  readonly dimensions: number;
  readonly #minN: number;
  readonly #maxN: number;

  constructor(options: LocalHashOptions = {}) {
    this.dimensions = options.dimensions ?? EMBEDDING_DIMENSIONS;
    this.#minN = options.charNgrams?.min ?? 3;
    this.#maxN = options.charNgrams?.max ?? 5;
    if (!Number.isInteger(this.dimensions) || this.dimensions < 1) {
      throw new EmbeddingError('BW_EMBEDDINGS_CONFIG', 'local-hash: dimensions must be >= 1');
    }
    if (!Number.isInteger(this.#minN) || this.#minN < 1 || this.#maxN < this.#minN) {
      throw new EmbeddingError(
        'BW_EMBEDDINGS_CONFIG',
        'local-hash: charNgrams must satisfy 1 <= min <= max',
      );
    }
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    assertTexts(this.id, texts);
    if (options.signal?.aborted) {
      throw new EmbeddingError('BW_EMBEDDINGS_ABORTED', `${this.id}: embedding call aborted`, {
        provider: this.id,
        cause: options.signal.reason,
      });
    }
    return texts.map((text) => this.embedOne(text));
  }

  /** Synchronous form, for callers that embed in a loop without awaiting (benchmarks, tests). */
  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const words = text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
    if (words.length === 0) {
      this.#add(vector, EMPTY_FEATURE, 1);
      return normalizeInPlace(vector);
    }
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      this.#add(vector, `w:${word}`, UNIGRAM_WEIGHT);
      if (i > 0) this.#add(vector, `b:${words[i - 1]} ${word}`, BIGRAM_WEIGHT);
      this.#addCharNgrams(vector, word);
    }
    return normalizeInPlace(vector);
  }

  /** fastText-style subwords: n-grams of the word with boundary marks, `<cat>` → `<ca`, `cat`, `at>`. */
  #addCharNgrams(vector: Float32Array, word: string): void {
    const marked = `<${word}>`;
    for (let n = this.#minN; n <= this.#maxN; n++) {
      for (let start = 0; start + n <= marked.length; start++) {
        this.#add(vector, `c:${marked.slice(start, start + n)}`, CHAR_NGRAM_WEIGHT);
      }
    }
  }

  #add(vector: Float32Array, feature: string, weight: number): void {
    const index = featureHash(feature, INDEX_SEED) % this.dimensions;
    const sign = (featureHash(feature, SIGN_SEED) & 1) === 0 ? 1 : -1;
    vector[index] = vector[index]! + sign * weight;
  }
}
