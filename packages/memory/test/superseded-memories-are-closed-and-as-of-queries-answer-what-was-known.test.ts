import type { Database } from '@bulwark/db';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MemoryStore } from '../src/index.js';
import { openMemoryStore } from './fixtures/open-store.js';
import { near, randomVector, rng } from './fixtures/vectors.js';

let db: Database;
let store: MemoryStore;
const next = rng(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ db, store } = await openMemoryStore());
});
afterAll(async () => {
  await db.close();
});

it('closes the old row (valid_to, superseded_at, superseded_by) and keeps it for history and as-of', async () => {
  const topic = randomVector(next);
  const [old] = await store.writeBatch([
    {
      namespace: 'user-7',
      subject: 'city',
      content: 'lives in Lyon',
      embedding: near(topic, 0.05, next),
      validFrom: new Date('2020-01-01T00:00:00Z'),
    },
  ]);
  if (!old) throw new Error('no write');
  await sleep(20);
  const between = new Date();
  await sleep(20);
  const moved = new Date('2024-06-01T00:00:00Z');
  const { closed, written } = await store.supersede(old.id, {
    content: 'lives in Porto',
    embedding: near(topic, 0.05, next),
    validFrom: moved,
  });
  expect(closed.supersededBy).toBe(written.id);
  expect(closed.supersededAt).not.toBeNull();
  expect(closed.validTo?.toISOString()).toBe(moved.toISOString());
  expect(closed.content).toBe('lives in Lyon');

  const now = await store.search({ vector: topic, namespace: 'user-7' });
  expect(now.hits.map((h) => h.memory.content)).toEqual(['lives in Porto']);

  // As of a time between the two writes, the store knew only Lyon.
  const then = await store.search({ vector: topic, namespace: 'user-7', asOf: between });
  expect(then.hits.map((h) => h.memory.content)).toEqual(['lives in Lyon']);

  // Valid-time: in 2022 the fact was Lyon, in 2025 Porto (history included).
  const in2022 = await store.search({
    vector: topic,
    namespace: 'user-7',
    validAt: new Date('2022-01-01T00:00:00Z'),
    includeSuperseded: true,
  });
  expect(in2022.hits.map((h) => h.memory.content)).toEqual(['lives in Lyon']);
  const in2025 = await store.search({
    vector: topic,
    namespace: 'user-7',
    validAt: new Date('2025-01-01T00:00:00Z'),
    includeSuperseded: true,
  });
  expect(in2025.hits.map((h) => h.memory.content)).toEqual(['lives in Porto']);

  const history = await store.search({
    vector: topic,
    namespace: 'user-7',
    includeSuperseded: true,
  });
  expect(history.hits).toHaveLength(2);
});

it('refuses to supersede a memory twice, or one that does not exist', async () => {
  const [m] = await store.writeBatch([
    { namespace: 'n', subject: 's', content: 'a', embedding: randomVector(next) },
  ]);
  if (!m) throw new Error('no write');
  await store.supersede(m.id, { content: 'b', embedding: randomVector(next) });
  await expect(
    store.supersede(m.id, { content: 'c', embedding: randomVector(next) }),
  ).rejects.toMatchObject({
    code: 'BW_MEMORY_CONFLICT',
  });
  await expect(
    store.supersede('00000000-0000-4000-8000-000000000000', {
      content: 'c',
      embedding: randomVector(next),
    }),
  ).rejects.toMatchObject({ code: 'BW_MEMORY_NOT_FOUND' });
});
