/**
 * bench:memory: the agent memory store on pgvector, at 100,000 memories of 384 dimensions on
 * PGlite (and on PostgreSQL with pgvector when --postgres is given and the extension exists).
 * Figures, all from the same run and the same data:
 *   - the batched insert rate (1,000-row batches through MemoryStore.writeBatch), while loading
 *     without the HNSW index, then with the index present;
 *   - the HNSW index build time (m, ef_construction);
 *   - the exact scan (the baseline): p50/p99 latency of MemoryStore.search({ exact: true });
 *   - the served index search per hnsw.ef_search: recall@10 against the exact answer, p50/p99
 *     latency, and the speed-up over the exact scan;
 *   - a filter matching 1% of rows: rows returned (k = 10 asked) by the plain HNSW scan and by
 *     the served search (iterative scan + exact fallback), its recall and latency.
 *
 *   npm run bench:memory -- [--n 100000] [--queries 200] [--ef-search 40,100,200] [--m 16]
 *                           [--ef-construction 64] [--dir PATH] [--postgres URL] [--data clustered|random]
 *
 * Data: by default a mixture of 2,000 Gaussian clusters (a stand-in for text embeddings, which
 * are clustered; uniformly random unit vectors, --data random, are the hardest case for HNSW);
 * queries are fresh points from the same mixture, not rows of the set.
 * PGlite runs in memory (memory://) unless --dir names a data directory.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '@bulwark/db';
import { type MemoryInput, MemoryStore, migrateMemory } from '@bulwark/memory';
import { pgvectorMissing } from '@bulwark/testkit';
import { sql } from 'kysely';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '200' },
    'ef-search': { type: 'string', default: '40,100,200' },
    m: { type: 'string', default: '16' },
    'ef-construction': { type: 'string', default: '64' },
    incremental: { type: 'string', default: '2000' },
    dir: { type: 'string' },
    postgres: { type: 'string' },
    data: { type: 'string', default: 'clustered' },
  },
});
const N = Number(values.n);
const QUERIES = Number(values.queries);
const EF_SEARCH = String(values['ef-search']).split(',').map(Number);
const M = Number(values.m);
const EF_CONSTRUCTION = Number(values['ef-construction']);
const INCREMENTAL = Math.min(Number(values.incremental), Math.floor(N / 10));
const K = 10;
const DIMS = 384;
const CLUSTERS = 2000;

const log = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const now = () => performance.now();

/** mulberry32: the same data on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = rng(17);
const gauss = () => next() + next() + next() + next() - 2;
const unit = (v: Float32Array) => {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return v.map((x) => x / n);
};
const centers = Array.from({ length: CLUSTERS }, () =>
  unit(Float32Array.from({ length: DIMS }, gauss)),
);
function point(): Float32Array {
  if (values.data === 'random') return unit(Float32Array.from({ length: DIMS }, gauss));
  const c = centers[Math.floor(next() * CLUSTERS)] as Float32Array;
  // Noise of the same order as the centre: neighbours inside a cluster at cosine ~0.5.
  return unit(c.map((x) => x + 0.06 * gauss()));
}
const row = (i: number): MemoryInput => ({
  namespace: 'bench',
  // 1% of rows: the filtered search's subject.
  subject: i % 100 === 37 ? 'rare' : `s${i % 10}`,
  content: `memory ${i}`,
  embedding: point(),
});

async function run(db: Database, label: string): Promise<void> {
  log(
    `\n## ${label}: ${fmt(N)} memories × ${DIMS} dims, m=${M}, ef_construction=${EF_CONSTRUCTION}, data=${values.data}`,
  );
  await migrateMemory(db);
  const store = new MemoryStore(db);
  await sql`DROP INDEX memories_embedding_hnsw`.execute(db.kysely);

  // 1. Bulk load without the HNSW index.
  let t = now();
  let i = 0;
  for (; i < N - INCREMENTAL; i += 1000) {
    const size = Math.min(1000, N - INCREMENTAL - i);
    await store.writeBatch(Array.from({ length: size }, (_, j) => row(i + j)));
    if ((i / 1000) % 10 === 9) process.stderr.write(`  loaded ${fmt(i + size)}\r`);
  }
  const loadMs = now() - t;
  log(
    `batched insert, no vector index: ${fmt(N - INCREMENTAL)} rows in ${fmt(loadMs / 1000, 1)} s = ${fmt(((N - INCREMENTAL) / loadMs) * 1000)} rows/s`,
  );

  // 2. Build the index.
  t = now();
  await sql`SET maintenance_work_mem = '1GB'`.execute(db.kysely).catch(() => undefined);
  await sql
    .raw(
      `CREATE INDEX memories_embedding_hnsw ON memories USING hnsw (embedding vector_cosine_ops) WITH (m = ${M}, ef_construction = ${EF_CONSTRUCTION})`,
    )
    .execute(db.kysely);
  const buildMs = now() - t;
  log(`HNSW build over ${fmt(N - INCREMENTAL)} rows: ${fmt(buildMs / 1000, 1)} s`);

  // 3. Batched inserts with the index present.
  t = now();
  for (; i < N; i += 1000) {
    const size = Math.min(1000, N - i);
    await store.writeBatch(Array.from({ length: size }, (_, j) => row(i + j)));
  }
  const incMs = now() - t;
  log(
    `batched insert, HNSW index present: ${fmt(INCREMENTAL)} rows in ${fmt(incMs / 1000, 1)} s = ${fmt((INCREMENTAL / incMs) * 1000)} rows/s`,
  );
  await sql`ANALYZE memories`.execute(db.kysely);

  const queries = Array.from({ length: QUERIES }, point);
  // Warm the caches and the JIT each way before timing.
  for (const q of queries.slice(0, 10)) {
    await store.search({ vector: q, namespace: 'bench', exact: true });
    await store.search({ vector: q, namespace: 'bench' });
  }

  // 4. Exact scan: the baseline, and the ground truth.
  const truth: Set<string>[] = [];
  const exactLat: number[] = [];
  for (const q of queries) {
    t = now();
    const r = await store.search({ vector: q, namespace: 'bench', k: K, exact: true });
    exactLat.push(now() - t);
    truth.push(new Set(r.hits.map((h) => h.memory.id)));
  }
  exactLat.sort((a, b) => a - b);
  const exactP50 = pct(exactLat, 0.5);
  log(`exact scan (baseline): p50 ${fmt(exactP50, 2)} ms, p99 ${fmt(pct(exactLat, 0.99), 2)} ms`);

  // 5. Served index search per ef_search.
  log('\n| ef_search | recall@10 | p50 ms | p99 ms | p50 vs exact |');
  log('|---:|---:|---:|---:|---:|');
  for (const ef of EF_SEARCH) {
    const served = new MemoryStore(db, { search: { efSearch: ef } });
    for (const q of queries.slice(0, 20))
      await served.search({ vector: q, namespace: 'bench', k: K });
    const lat: number[] = [];
    let recall = 0;
    for (const [qi, q] of queries.entries()) {
      t = now();
      const r = await served.search({ vector: q, namespace: 'bench', k: K });
      lat.push(now() - t);
      const want = truth[qi] as Set<string>;
      recall += r.hits.filter((h) => want.has(h.memory.id)).length / Math.max(1, want.size);
    }
    lat.sort((a, b) => a - b);
    log(
      `| ${ef} | ${fmt(recall / queries.length, 3)} | ${fmt(pct(lat, 0.5), 2)} | ${fmt(pct(lat, 0.99), 2)} | ${fmt(exactP50 / pct(lat, 0.5), 1)}× faster |`,
    );
  }

  // 6. A filter matching 1% of rows, forced through the HNSW index (the btree on subject would
  // otherwise answer it exactly): the plain scan vs the served search.
  await sql`DROP INDEX memories_namespace_subject`.execute(db.kysely);
  const fq = queries.slice(0, Math.min(50, queries.length));
  const plainCounts: number[] = [];
  for (const q of fq) {
    const rows = await db.kysely.transaction().execute(async (trx) => {
      await sql`SET LOCAL hnsw.iterative_scan = off`.execute(trx);
      await sql`SET LOCAL hnsw.ef_search = 40`.execute(trx);
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      return (
        await sql`SELECT id FROM memories WHERE subject = 'rare' AND namespace = 'bench'
        AND superseded_at IS NULL AND forgotten_at IS NULL
        ORDER BY embedding <=> ${`[${Array.prototype.join.call(q, ',')}]`}::vector LIMIT ${K}`.execute(
          trx,
        )
      ).rows;
    });
    plainCounts.push(rows.length);
  }
  const servedCounts: number[] = [];
  const strategies = new Map<string, number>();
  const flat: number[] = [];
  let frecall = 0;
  for (const q of fq) {
    const exact = await store.search({
      vector: q,
      namespace: 'bench',
      subject: 'rare',
      k: K,
      exact: true,
    });
    t = now();
    const r = await store.search({ vector: q, namespace: 'bench', subject: 'rare', k: K });
    flat.push(now() - t);
    servedCounts.push(r.hits.length);
    strategies.set(r.strategy, (strategies.get(r.strategy) ?? 0) + 1);
    const want = new Set(exact.hits.map((h) => h.memory.id));
    frecall += r.hits.filter((h) => want.has(h.memory.id)).length / Math.max(1, want.size);
  }
  flat.sort((a, b) => a - b);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  log(`\nfilter matching 1% (${fmt(N / 100)} rows), k=${K}, ${fq.length} queries:`);
  log(
    `  plain HNSW scan (ef_search 40, no iterative scan): rows returned min ${Math.min(...plainCounts)}, mean ${fmt(avg(plainCounts), 1)}`,
  );
  log(
    `  served search (iterative scan + exact fallback): rows returned min ${Math.min(...servedCounts)}, mean ${fmt(avg(servedCounts), 1)}, recall@10 ${fmt(frecall / fq.length, 3)}, p50 ${fmt(pct(flat, 0.5), 2)} ms, p99 ${fmt(pct(flat, 0.99), 2)} ms, strategies ${JSON.stringify(Object.fromEntries(strategies))}`,
  );
}

async function main(): Promise<void> {
  log(`# bench:memory (${new Date().toISOString()}, node ${process.version})`);
  const db = await openDatabase({
    url: values.dir ?? 'memory://',
    name: 'bench-memory',
    extensions: ['vector'],
  });
  try {
    await run(db, `PGlite (${values.dir ?? 'memory://'})`);
  } finally {
    await db.close();
  }
  if (!values.postgres) {
    log('\nPostgreSQL: not run (pass --postgres URL to a server with pgvector).');
    return;
  }
  const name = `bw_bench_memory_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: values.postgres });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(values.postgres);
    url.pathname = `/${name}`;
    const missing = await pgvectorMissing(url.toString());
    if (missing) {
      log(`\nPostgreSQL: not run on ${values.postgres.replace(/\/\/[^@]*@/, '//')}: ${missing}`);
      return;
    }
    const pgdb = await openDatabase({
      url: url.toString(),
      name: 'bench-memory-pg',
      extensions: ['vector'],
    });
    try {
      await run(pgdb, 'PostgreSQL');
    } finally {
      await pgdb.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}

await main();
