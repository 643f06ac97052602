import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  EMBEDDING_DIMENSIONS,
  EmbeddingError,
  LocalHashEmbeddingProvider,
} from '../src/embeddings/index.js';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('the local feature-hash provider', () => {
  const provider = new LocalHashEmbeddingProvider();

  it('returns one unit-length 384-dimension vector per text, in order', async () => {
    const texts = ['the cat sat on the mat', 'quarterly revenue grew', ''];
    const vectors = await provider.embed(texts);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
    expect(vectors[1]).toEqual(provider.embedOne('quarterly revenue grew'));
  });

  it('gives the same vector for the same text in any instance (stored vectors stay comparable)', async () => {
    const [a] = await new LocalHashEmbeddingProvider().embed(['Deploy the ledger at noon']);
    const [b] = await new LocalHashEmbeddingProvider().embed(['Deploy the ledger at noon']);
    expect(Buffer.from(a!.buffer)).toEqual(Buffer.from(b!.buffer));
    // Pinned: a change to the hashing would silently make every stored vector incomparable.
    const digest = createHash('sha256').update(Buffer.from(provider.embedOne('bulwark').buffer));
    expect(digest.digest('hex')).toBe(
      '738812370755e00473673b8bd3699f9ad95c71d248f563e1ea62c1dcc70ed75d',
    );
  });

  it('scores a lexical near-duplicate far above unrelated text', () => {
    const base = provider.embedOne('The payment service restarts nightly at 02:00 UTC');
    const near = provider.embedOne('the payment service restarted nightly at 02:00 utc');
    const unrelated = provider.embedOne('Grandma bakes apple pie with cinnamon');
    const nearScore = cosineSimilarity(base, near);
    const farScore = cosineSimilarity(base, unrelated);
    expect(nearScore).toBeGreaterThan(0.8);
    expect(Math.abs(farScore)).toBeLessThan(0.3);
  });

  it('does not see meaning: synonyms with no shared words score low', () => {
    const a = provider.embedOne('automobile purchase');
    const b = provider.embedOne('buying a car');
    expect(cosineSimilarity(a, b)).toBeLessThan(0.3);
  });

  it('ignores case and Unicode compatibility forms', () => {
    expect(provider.embedOne('ＡＢＣ Straße')).toEqual(provider.embedOne('abc straße'));
  });

  it('gives text without letters or digits a defined direction', () => {
    const v = provider.embedOne('!!! ...');
    expect(norm(v)).toBeCloseTo(1, 5);
  });

  it('embeds a thousand sentences quickly', async () => {
    const texts = Array.from(
      { length: 1000 },
      (_, i) => `memory number ${i} about topic ${i % 17}`,
    );
    const start = performance.now();
    await provider.embed(texts);
    expect(performance.now() - start).toBeLessThan(1500);
  });

  it('refuses input that is not a list of strings with a typed error', async () => {
    const error = await provider.embed([42 as unknown as string]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect(error).toMatchObject({ code: 'BW_EMBEDDINGS_INPUT' });
  });

  it('honours other dimensions when asked', () => {
    expect(new LocalHashEmbeddingProvider({ dimensions: 64 }).embedOne('x y z')).toHaveLength(64);
  });
});
