import { fileURLToPath } from 'node:url';
import { type Database, openDatabase } from '@bulwark/db';
import {
  type PrivateServer,
  pgvectorMissing,
  privatePostgresPart,
  spawnTs,
  startPrivatePostgres,
} from '@bulwark/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MemoryJobs, MemoryStore, migrateMemory } from '../src/index.js';
import { randomVector, rng } from './fixtures/vectors.js';

/**
 * The PostgreSQL path. It needs pgvector on the server: where a private PostgreSQL lacks it,
 * the tests skip with pgvectorMissing's reason (the one skip allowed under
 * BULWARK_REQUIRE_SYSTEM=1; the PostgreSQL server itself is still required).
 */
const postgres = privatePostgresPart();
const WRITER = fileURLToPath(new URL('./fixtures/batch-writer.ts', import.meta.url));
let server: PrivateServer | undefined;
let noVector = '';

beforeAll(async () => {
  if (!postgres.available) return;
  server = await startPrivatePostgres();
  noVector = await pgvectorMissing(server.url);
}, 60_000);
afterAll(async () => {
  await server?.remove();
});

it.skipIf(!postgres.available)(
  'writes, searches with a filter, supersedes, forgets and compresses on PostgreSQL',
  async (ctx) => {
    if (noVector) ctx.skip(noVector);
    const db: Database = await openDatabase({
      url: server?.url ?? '',
      name: 'memory-pg',
      extensions: ['vector'],
    });
    try {
      await migrateMemory(db);
      const store = new MemoryStore(db);
      const next = rng(30);
      const rows = Array.from({ length: 2000 }, (_, i) => ({
        namespace: 'pg',
        subject: i % 100 === 0 ? 'rare' : 'common',
        content: `row ${i}`,
        embedding: randomVector(next),
      }));
      for (let i = 0; i < rows.length; i += 500) await store.writeBatch(rows.slice(i, i + 500));
      const q = randomVector(next);
      const served = await store.search({ vector: q, namespace: 'pg', subject: 'rare', k: 10 });
      const exact = await store.search({
        vector: q,
        namespace: 'pg',
        subject: 'rare',
        k: 10,
        exact: true,
      });
      expect(served.hits).toHaveLength(10);
      expect(new Set(served.hits.map((h) => h.memory.id))).toEqual(
        new Set(exact.hits.map((h) => h.memory.id)),
      );
      const first = served.hits[0]?.memory.id ?? '';
      const { written } = await store.supersede(first, {
        content: 'new',
        embedding: randomVector(next),
      });
      expect((await store.get(first))?.supersededBy).toBe(written.id);
      expect((await store.forget(written.id)).changed).toBe(true);
      const [run] = await new MemoryJobs(store).runCompression(['pg']);
      expect(run?.outcome).toBe('committed');
    } finally {
      await db.close();
    }
  },
  60_000,
);

it.skipIf(!postgres.available)(
  'keeps every acknowledged batch when the writer is killed -9',
  async (ctx) => {
    if (noVector) ctx.skip(noVector);
    const url = server?.url ?? '';
    const child = spawnTs(WRITER, { MEMORY_DATABASE_URL: url, MEMORY_SEED: '31' });
    await child.waitForLine((l) => l.startsWith('ack 5 '), 30_000);
    child.kill('SIGKILL');
    await child.exited;
    const acked = child.lines
      .filter((l) => l.startsWith('ack '))
      .flatMap((l) => (l.split(' ')[2] ?? '').split(','));
    const db = await openDatabase({ url, name: 'memory-pg-reopen', extensions: ['vector'] });
    try {
      const store = new MemoryStore(db);
      for (const id of acked)
        expect((await store.get(id))?.content, id).toMatch(/^batch \d+ row \d+$/);
    } finally {
      await db.close();
    }
  },
  60_000,
);
