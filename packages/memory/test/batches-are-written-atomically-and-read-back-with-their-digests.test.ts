import { createHash } from 'node:crypto';
import type { Database } from '@bulwark/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryInputError, type MemoryStore } from '../src/index.js';
import { openMemoryStore } from './fixtures/open-store.js';
import { randomVector, rng } from './fixtures/vectors.js';

let db: Database;
let store: MemoryStore;
const next = rng(1);

beforeAll(async () => {
  ({ db, store } = await openMemoryStore());
});
afterAll(async () => {
  await db.close();
});

describe('writeBatch', () => {
  it('returns ids and SHA-256 digests in input order, and get reads each row back', async () => {
    const inputs = ['alpha', 'beta', 'gamma'].map((content, i) => ({
      namespace: 'agent-1',
      subject: `s${i}`,
      content,
      embedding: randomVector(next),
      metadata: { i },
    }));
    const written = await store.writeBatch(inputs);
    expect(written).toHaveLength(3);
    for (const [i, w] of written.entries()) {
      const input = inputs[i];
      if (!input) throw new Error('unreachable');
      expect(w.contentDigest).toBe(createHash('sha256').update(input.content).digest('hex'));
      const memory = await store.get(w.id, { withEmbedding: true });
      expect(memory?.content).toBe(input.content);
      expect(memory?.subject).toBe(input.subject);
      expect(memory?.metadata).toEqual({ i });
      expect(memory?.recordedAt.getTime()).toBe(w.recordedAt.getTime());
      expect(memory?.validTo).toBeNull();
      expect(memory?.embedding?.[5]).toBeCloseTo(input.embedding[5] as number, 6);
    }
  });

  it('writes nothing from a batch with one bad row', async () => {
    const before = await store.stats('atomic');
    const good = {
      namespace: 'atomic',
      subject: 's',
      content: 'ok',
      embedding: randomVector(next),
    };
    await expect(
      store.writeBatch([good, { ...good, embedding: new Float32Array(10).fill(1) }]),
    ).rejects.toBeInstanceOf(MemoryInputError);
    // A row the database refuses (validTo before validFrom) fails the whole batch too.
    await expect(
      store.writeBatch([
        good,
        { ...good, validFrom: new Date('2025-01-02'), validTo: new Date('2025-01-01') },
      ]),
    ).rejects.toThrow(/validTo/);
    expect(await store.stats('atomic')).toEqual(before);
  });

  it('refuses zero vectors, wrong dimensions and empty namespaces with BW_MEMORY_INVALID_INPUT', async () => {
    const base = { namespace: 'n', subject: 's', content: 'c', embedding: randomVector(next) };
    for (const bad of [
      { ...base, embedding: new Float32Array(384) },
      { ...base, embedding: new Float32Array(383).fill(0.1) },
      { ...base, namespace: '' },
      { ...base, embedding: Array(384).fill(Number.NaN) },
    ]) {
      await expect(store.writeBatch([bad])).rejects.toMatchObject({
        code: 'BW_MEMORY_INVALID_INPUT',
      });
    }
  });

  it('returns undefined for an unknown or malformed id', async () => {
    expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await store.get('not-a-uuid')).toBeUndefined();
  });
});
