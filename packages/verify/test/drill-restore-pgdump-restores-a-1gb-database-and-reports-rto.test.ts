import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type PrivateServer, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  figuresOf,
  leftovers,
  postgresPart,
  runRestoreDrill,
  scratchDatabases,
  sharedTempDir,
  sql,
} from './restore-fixtures.js';

const GIB = 1024 ** 3;
/** Rows of about 1 KB each, over four tables: a little over 1 GiB with their indexes. */
const ROWS_PER_TABLE = 270_000;
const TABLES = 4;

const part = postgresPart();

describe.skipIf(!part.available)('drill.restore with pg_dump', () => {
  let server: PrivateServer;
  let url: string;
  let workDir: string;
  let generateMs = 0;

  beforeAll(async () => {
    // Settings that make loading 1 GB fast and change nothing pg_dump reads: WAL is skipped
    // for tables created in the loading transaction (wal_level minimal), and nothing is synced.
    server = await startPrivatePostgres({
      settings: {
        wal_level: 'minimal',
        max_wal_senders: 0,
        synchronous_commit: 'off',
        full_page_writes: 'off',
        shared_buffers: "'256MB'",
        max_wal_size: "'4GB'",
        autovacuum: 'off',
      },
    });
    url = await createDatabase(server, 'orders');
    workDir = sharedTempDir('bulwark-restore-1gb-');
    const started = performance.now();
    // Two loaders at once, one per core.
    await Promise.all(
      [0, 1].map(async (loader) => {
        for (let t = loader; t < TABLES; t += 2) {
          await sql(
            url,
            `BEGIN;
             CREATE TABLE orders_${t} (id bigint PRIMARY KEY, placed_at timestamptz NOT NULL,
               customer text NOT NULL, amount numeric(12, 2) NOT NULL, note text NOT NULL);
             INSERT INTO orders_${t}
               SELECT i, timestamptz '2024-01-01' + i * interval '1 second', 'customer ' || (i % 9973),
                      (i % 100000) / 100.0, repeat(md5((i * ${t + 1})::text), 28)
                 FROM generate_series(1, ${ROWS_PER_TABLE}) AS i;
             COMMIT;`,
          );
        }
      }),
    );
    generateMs = performance.now() - started;
  }, 300_000);

  afterAll(async () => {
    await server?.remove();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('restores a database of at least 1 GiB into a scratch database, matches every table and reports RTO', async () => {
    const [size] = await sql<{ bytes: string }>(
      url,
      'SELECT pg_database_size(current_database())::text AS bytes',
    );
    expect(Number(size?.bytes)).toBeGreaterThanOrEqual(GIB);

    const started = performance.now();
    const progress: string[] = [];
    const outcome = await runRestoreDrill(
      { rtoMs: 600_000, workDir },
      { databases: [{ name: 'orders', url }], progress: (m) => progress.push(m) },
    );
    const drillMs = performance.now() - started;

    expect(outcome.status, outcome.summary).toBe('pass');
    const m = outcome.measurements ?? {};
    expect(m.restoredBytes as number).toBeGreaterThanOrEqual(GIB);
    expect(m.tables).toBe(TABLES);
    expect(m.rows).toBe(TABLES * ROWS_PER_TABLE);
    expect(m.compared).toBe(true);
    expect(m.differences).toBe(0);
    expect(m.rtoMs as number).toBeCloseTo((m.restoreMs as number) + (m.verifyMs as number), 0);
    expect(m.restoreMBps as number).toBeGreaterThan(0);
    expect(outcome.summary).toMatch(
      /^restored 1\.\d\d GB from a fresh pg_dump in .* MB\/s\), verified 4 tables matching the source in .*: RTO .* \(limit 600\.0 s\)$/,
    );
    const figures = figuresOf(outcome).databases[0];
    expect(figures?.name).toBe('orders');
    for (const relation of figures?.relations.filter((r) => r.kind === 'table') ?? []) {
      expect(relation.rows).toBe(ROWS_PER_TABLE);
    }
    expect(progress.some((p) => p.startsWith('pg_restore into bulwark_restore_'))).toBe(true);

    // Nothing of the drill is left: no scratch database, no dump.
    expect(await scratchDatabases(server)).toEqual([]);
    expect(leftovers(workDir)).toEqual([]);

    console.log(
      `1 GiB restore drill: generate ${(generateMs / 1000).toFixed(1)} s, drill ${(drillMs / 1000).toFixed(1)} s; ${outcome.summary}`,
    );
  }, 600_000);
});
