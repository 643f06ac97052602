import type { Database } from '@bulwark/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemoryInput, MemoryStore } from '../src/index.js';
import { bulkLoad } from './fixtures/bulk-load.js';
import { openMemoryStore } from './fixtures/open-store.js';
import { randomVector, rng } from './fixtures/vectors.js';

const N = 3000;
const RARE = N / 100; // the filter matches 1% of rows
let db: Database;
let store: MemoryStore;
const next = rng(4);
const queries = Array.from({ length: 5 }, () => randomVector(next));

beforeAll(async () => {
  ({ db, store } = await openMemoryStore());
  // Only the HNSW index is left, so the planner cannot answer the filter from a btree and
  // the search goes through the index scan that pgvector filters afterwards.
  await sql`DROP INDEX memories_namespace_subject, memories_namespace_recorded,
    memories_namespace_valid, memories_current`.execute(db.kysely);
  const rows: MemoryInput[] = [];
  for (let i = 0; i < N; i++) {
    rows.push({
      namespace: 'bench',
      subject: i % 100 === 37 ? 'rare' : `common-${i % 7}`,
      content: `memory ${i}`,
      embedding: randomVector(next),
    });
  }
  await bulkLoad(db, store, rows);
}, 60_000);
afterAll(async () => {
  await db.close();
});

describe('a filter matching 1% of rows', () => {
  it('loses rows through a plain HNSW scan (the trap this guards against)', async () => {
    const counts = await db.kysely.transaction().execute(async (trx) => {
      await sql`SET LOCAL hnsw.iterative_scan = off`.execute(trx);
      await sql`SET LOCAL hnsw.ef_search = 40`.execute(trx);
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const plan = await sql<{ 'QUERY PLAN': string }>`
        EXPLAIN SELECT id FROM memories WHERE subject = 'rare'
        ORDER BY embedding <=> ${`[${Array.from(queries[0] ?? []).join(',')}]`}::vector LIMIT 10`.execute(
        trx,
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('memories_embedding_hnsw');
      const out: number[] = [];
      for (const q of queries) {
        const { rows } = await sql`
          SELECT id FROM memories WHERE subject = 'rare'
          ORDER BY embedding <=> ${`[${Array.from(q).join(',')}]`}::vector LIMIT 10`.execute(trx);
        out.push(rows.length);
      }
      return out;
    });
    // ef_search 40 candidates, 1% pass the filter: far fewer than 10 come back.
    expect(Math.max(...counts)).toBeLessThan(10);
  });

  it('returns k rows, the exact top k, for k = 10 and k = 30 (all that match)', async () => {
    for (const q of queries) {
      for (const k of [10, RARE]) {
        const served = await store.search({ vector: q, namespace: 'bench', subject: 'rare', k });
        const exact = await store.search({
          vector: q,
          namespace: 'bench',
          subject: 'rare',
          k,
          exact: true,
        });
        expect(served.hits).toHaveLength(k);
        expect(exact.strategy).toBe('exact');
        expect(new Set(served.hits.map((h) => h.memory.id))).toEqual(
          new Set(exact.hits.map((h) => h.memory.id)),
        );
        expect(served.hits.every((h) => h.memory.subject === 'rare')).toBe(true);
        // Sorted nearest first, even from relaxed_order.
        const d = served.hits.map((h) => h.distance);
        expect(d).toEqual([...d].sort((a, b) => a - b));
      }
    }
  });

  it('returns every matching row, and no more, when fewer than k match', async () => {
    const result = await store.search({
      vector: queries[1] ?? [],
      namespace: 'bench',
      subject: 'rare',
      k: 50,
    });
    expect(result.hits).toHaveLength(RARE);
  });

  it('falls back to the exact scan when the index scan comes back short', async () => {
    // The plain scan (no iterative scan) returns fewer than k here, as the first test shows.
    const limited = new MemoryStore(db, { search: { iterativeScan: 'off', efSearch: 10 } });
    const result = await limited.search({
      vector: queries[2] ?? [],
      namespace: 'bench',
      subject: 'rare',
      k: 10,
    });
    expect(result.hits).toHaveLength(10);
    expect(result.strategy).toBe('index+exact');
  });
});
