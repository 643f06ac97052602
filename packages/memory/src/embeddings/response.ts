import { EmbeddingError } from './errors.js';

/**
 * Reads an OpenAI-style embeddings answer, `{ data: [{ index, embedding: number[] }, ...] }`,
 * into one vector per input in input order. Everything is checked, because a vector that is
 * silently wrong (short, NaN, for another input) corrupts search without any error later:
 * the count, each index (once each, in range), the dimension and every number being finite.
 */
export function parseEmbeddingsResponse(
  provider: string,
  body: string,
  inputs: number,
  dimensions: number,
): Float32Array[] {
  const fail = (code: 'BW_EMBEDDINGS_BAD_RESPONSE', message: string, cause?: unknown) =>
    new EmbeddingError(code, `${provider}: ${message}`, { provider, cause });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    // Python's json module writes NaN and Infinity bare, which is not JSON: name the real fault.
    if (/(?<![\w"])-?(NaN|Infinity)(?![\w"])/.test(body)) {
      throw new EmbeddingError(
        'BW_EMBEDDINGS_NOT_FINITE',
        `${provider}: the answer holds NaN or Infinity`,
        { provider, cause: error },
      );
    }
    throw fail('BW_EMBEDDINGS_BAD_RESPONSE', 'the answer is not JSON', error);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    throw fail('BW_EMBEDDINGS_BAD_RESPONSE', 'the answer has no data array');
  }
  if (data.length !== inputs) {
    throw fail(
      'BW_EMBEDDINGS_BAD_RESPONSE',
      `the answer has ${data.length} embeddings for ${inputs} inputs`,
    );
  }
  const vectors: (Float32Array | undefined)[] = new Array(inputs).fill(undefined);
  const indexed = data.some((item) => (item as { index?: unknown } | null)?.index !== undefined);
  for (let position = 0; position < data.length; position++) {
    const item = data[position] as { index?: unknown; embedding?: unknown } | null;
    // Servers that omit `index` altogether answer in input order; a partial set is ambiguous.
    const index = indexed ? item?.index : position;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= inputs) {
      throw fail(
        'BW_EMBEDDINGS_BAD_RESPONSE',
        `data[${position}].index is ${JSON.stringify(index) ?? 'missing'}, not an input index`,
      );
    }
    if (vectors[index] !== undefined) {
      throw fail('BW_EMBEDDINGS_BAD_RESPONSE', `data has index ${index} twice`);
    }
    vectors[index] = vectorOf(provider, item?.embedding, index, dimensions);
  }
  return vectors as Float32Array[];
}

function vectorOf(
  provider: string,
  embedding: unknown,
  index: number,
  dimensions: number,
): Float32Array {
  if (!Array.isArray(embedding)) {
    throw new EmbeddingError(
      'BW_EMBEDDINGS_BAD_RESPONSE',
      `${provider}: the embedding for input ${index} is not an array of numbers`,
      { provider },
    );
  }
  if (embedding.length !== dimensions) {
    throw new EmbeddingError(
      'BW_EMBEDDINGS_DIMENSION',
      `${provider}: the embedding for input ${index} has ${embedding.length} dimensions, expected ${dimensions}`,
      { provider },
    );
  }
  const vector = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) {
    const value = embedding[i];
    // JSON has no NaN; servers write it as null, a string or an out-of-range number.
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      !Number.isFinite(Math.fround(value))
    ) {
      throw new EmbeddingError(
        'BW_EMBEDDINGS_NOT_FINITE',
        `${provider}: the embedding for input ${index} holds ${JSON.stringify(value) ?? String(value)} at dimension ${i}`,
        { provider },
      );
    }
    vector[i] = value;
  }
  return vector;
}
