import { createHash } from 'node:crypto';
import type { Database } from '@bulwark/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MemoryStore } from '../src/index.js';
import { openMemoryStore } from './fixtures/open-store.js';
import { randomVector, rng } from './fixtures/vectors.js';

let db: Database;
let store: MemoryStore;
const next = rng(3);

beforeAll(async () => {
  ({ db, store } = await openMemoryStore());
});
afterAll(async () => {
  await db.close();
});

it('deletes content, embedding and metadata, keeps id, digest and times, and stops finding it', async () => {
  const embedding = randomVector(next);
  const [m] = await store.writeBatch([
    { namespace: 'n', subject: 's', content: 'secret: 1234', embedding, metadata: { pii: true } },
  ]);
  if (!m) throw new Error('no write');
  const result = await store.forget(m.id, { reason: 'user request' });
  expect(result.changed).toBe(true);
  expect(result.contentDigest).toBe(createHash('sha256').update('secret: 1234').digest('hex'));

  const tombstone = await store.get(m.id, { withEmbedding: true });
  expect(tombstone).toMatchObject({
    content: null,
    embedding: null,
    metadata: {},
    contentDigest: result.contentDigest,
    forgottenReason: 'user request',
  });
  expect(tombstone?.forgottenAt).not.toBeNull();
  // The content is nowhere in the live table.
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM memories WHERE content LIKE '%1234%'`.execute(db.kysely);
  expect(rows[0]?.n).toBe(0);
  const found = await store.search({ vector: embedding, namespace: 'n', includeSuperseded: true });
  expect(found.hits.map((h) => h.memory.id)).not.toContain(m.id);

  // Idempotent.
  expect((await store.forget(m.id)).changed).toBe(false);
});

it('refuses to forget under legal hold, and forgets once the hold is lifted', async () => {
  const [m] = await store.writeBatch([
    { namespace: 'held', subject: 's', content: 'evidence', embedding: randomVector(next) },
  ]);
  if (!m) throw new Error('no write');
  await store.setRetentionPolicy({
    namespace: 'held',
    maxAgeMs: null,
    maxCount: null,
    legalHold: true,
  });
  await expect(store.forget(m.id)).rejects.toMatchObject({ code: 'BW_MEMORY_LEGAL_HOLD' });
  expect((await store.get(m.id))?.content).toBe('evidence');
  await store.setRetentionPolicy({
    namespace: 'held',
    maxAgeMs: null,
    maxCount: null,
    legalHold: false,
  });
  expect((await store.forget(m.id)).changed).toBe(true);
});
