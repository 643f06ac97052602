/**
 * The restore drill's figures for bench:drills (bench/drills.ts imports `benchRestore`).
 *
 * On a private PostgreSQL cluster (never the machine's shared one) it loads a database of about
 * 1.1 GB, takes one custom-format dump of it with pg_dump, then in alternating rounds
 * (a) restores that dump with a raw `pg_restore` (the same flags the drill passes:
 * --exit-on-error --no-owner --no-acl --jobs=2) into a fresh database, and (b) runs drill.restore
 * through the verify engine (`runPlan`) on the same dump (`backup:`), so both restore the same
 * bytes in the same run. The restore rate is the restored database's size (pg_database_size,
 * MB = 10^6 bytes) over pg_restore's wall time; the ratio drill/raw is what the drill's own
 * restore step costs, and the drill's RTO adds its verification (every row checksummed). A last
 * run takes a fresh dump itself and compares the copy with the source, for the whole drill's
 * figures. The machine is shared and small: read the ratios, not the absolute figures.
 *
 *   BENCH_RESTORE_ROWS (default 270000 rows of ~1 KB per table, 4 tables), BENCH_RESTORE_ROUNDS (2)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type PrivateServer, startPrivatePostgres } from '@bulwark/testkit';
import {
  type CheckRecord,
  createSharedServices,
  defaultRegistry,
  loadPlan,
  runPlan,
} from '@bulwark/verify';
import pg from 'pg';

const execFileAsync = promisify(execFile);
const TABLES = 4;
const JOBS = 2;

export interface BenchRestoreOptions {
  readonly rowsPerTable?: number;
  readonly rounds?: number;
}

/** Runs the restore bench; returns the lines to print (nothing is printed here). */
export async function benchRestore(options: BenchRestoreOptions = {}): Promise<string[]> {
  const rowsPerTable = options.rowsPerTable ?? Number(process.env.BENCH_RESTORE_ROWS ?? 270_000);
  const rounds = options.rounds ?? Number(process.env.BENCH_RESTORE_ROUNDS ?? 2);
  const work = mkdtempSync(join(tmpdir(), 'bulwark-bench-restore-'));
  let server: PrivateServer | undefined;
  try {
    server = await startPrivatePostgres({
      settings: {
        // Loading is fast (no WAL for tables created in the loading transaction); restores are
        // measured under the same settings for the raw pg_restore and the drill.
        wal_level: 'minimal',
        max_wal_senders: 0,
        synchronous_commit: 'off',
        full_page_writes: 'off',
        shared_buffers: "'256MB'",
        max_wal_size: "'4GB'",
        autovacuum: 'off',
      },
    });
    const sourceUrl = urlFor(server, 'orders');
    await sql(server.url, 'CREATE DATABASE orders');
    const loadStarted = performance.now();
    await load(sourceUrl, rowsPerTable);
    const loadMs = performance.now() - loadStarted;
    const sourceBytes = await databaseBytes(sourceUrl);

    const dump = join(work, 'orders.dump');
    const dumpStarted = performance.now();
    await execFileAsync('pg_dump', ['--format=custom', `--file=${dump}`, `--dbname=${sourceUrl}`]);
    const dumpMs = performance.now() - dumpStarted;
    const dumpBytes = statSync(dump).size;

    const planFile = join(work, 'bulwark.plan.yaml');
    const raw: { ms: number; bytes: number }[] = [];
    const drill: CheckRecord[] = [];
    // Alternating which goes first, so neither always restores right after the other's drop.
    for (let round = 0; round < rounds; round++) {
      const drillParams = { rtoMs: 3_600_000, backup: dump, jobs: JOBS, workDir: work };
      if (round % 2 === 0) {
        raw.push(await rawRestore(server, dump, round));
        drill.push(await runDrill(planFile, sourceUrl, drillParams));
      } else {
        drill.push(await runDrill(planFile, sourceUrl, drillParams));
        raw.push(await rawRestore(server, dump, round));
      }
    }
    const full = await runDrill(planFile, sourceUrl, {
      rtoMs: 3_600_000,
      jobs: JOBS,
      workDir: work,
    });

    const rawRate = median(raw.map((r) => mbps(r.bytes, r.ms)));
    const drillRate = median(drill.map((d) => Number(d.measurements.restoreMBps)));
    const m = full.measurements;
    return [
      `  drill.restore (pg_dump)  database ${gb(sourceBytes)} (${TABLES} tables, loaded in ${s(loadMs)}), dump ${mb(dumpBytes)} (pg_dump ${s(dumpMs)})`,
      `    raw pg_restore     ${rawRate.toFixed(1)} MB/s  (median of ${rounds}: ${raw.map((r) => s(r.ms)).join(', ')})`,
      `    drill restore      ${drillRate.toFixed(1)} MB/s  (median of ${rounds}: ${drill.map((d) => s(Number(d.measurements.restoreMs))).join(', ')}), ratio drill/raw ${(drillRate / rawRate).toFixed(3)}`,
      `    drill verify       ${drill.map((d) => s(Number(d.measurements.verifyMs))).join(', ')} (every row of ${TABLES} tables checksummed); RTO ${drill.map((d) => s(Number(d.measurements.rtoMs))).join(', ')}`,
      `    whole drill        ${full.status}: fresh pg_dump + source checksums ${s(Number(m.backupMs))}, restore ${s(Number(m.restoreMs))} (${m.restoreMBps} MB/s), verify against the source ${s(Number(m.verifyMs))}, RTO ${s(Number(m.rtoMs))}, total ${s(Number(m.totalMs))}`,
    ];
  } finally {
    await server?.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

async function load(url: string, rowsPerTable: number): Promise<void> {
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
               FROM generate_series(1, ${rowsPerTable}) AS i;
           COMMIT;`,
        );
      }
    }),
  );
}

/** pg_restore of the dump into a fresh database, with the flags the drill passes. */
async function rawRestore(
  server: PrivateServer,
  dump: string,
  round: number,
): Promise<{ ms: number; bytes: number }> {
  const name = `raw_restore_${round}`;
  await sql(server.url, `CREATE DATABASE ${name} TEMPLATE template0`);
  try {
    const url = urlFor(server, name);
    const started = performance.now();
    await execFileAsync('pg_restore', [
      '--exit-on-error',
      '--no-owner',
      '--no-acl',
      `--jobs=${JOBS}`,
      `--dbname=${url}`,
      dump,
    ]);
    const ms = performance.now() - started;
    return { ms, bytes: await databaseBytes(url) };
  } finally {
    await sql(server.url, `DROP DATABASE ${name} WITH (FORCE)`);
  }
}

/** drill.restore through the verify engine, as `bulwark verify` runs it. */
async function runDrill(
  planFile: string,
  sourceUrl: string,
  params: Record<string, unknown>,
): Promise<CheckRecord> {
  writeFileSync(
    planFile,
    `format: bulwark.plan/v1
name: restore bench
environments:
  bench:
    databases: [{ name: orders, url: ${JSON.stringify(sourceUrl)} }]
criteria:
  - id: restore
    text: Restore drill from backup completes in under target RTO
    checks: [{ check: drill.restore, with: ${JSON.stringify(params)} }]
`,
  );
  const registry = defaultRegistry();
  const loaded = await loadPlan(planFile, registry);
  const shared = createSharedServices({
    timeoutMs: 5000,
    attestationsDir: join(planFile, '..', 'attestations'),
  });
  try {
    const { bundle } = await runPlan({
      loaded,
      environment: 'bench',
      registry,
      shared,
      timeoutMs: 5000,
      toolVersion: 'bench',
    });
    const record = bundle.criteria[0]?.checks[0];
    if (!record) throw new Error('drill.restore did not run');
    if (record.status !== 'pass')
      throw new Error(`drill.restore ${record.status}: ${record.summary}`);
    return record;
  } finally {
    await shared.close();
  }
}

async function sql(url: string, text: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function databaseBytes(url: string): Promise<number> {
  const [row] = await sql(url, 'SELECT pg_database_size(current_database())::text AS bytes');
  return Number(row?.bytes);
}

function urlFor(server: PrivateServer, database: string): string {
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return url.toString();
}

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

// Run on its own: `npx tsx bench/drills-restore.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchRestore()) console.log(line);
}
