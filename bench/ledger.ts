/**
 * bench:ledger: durable append throughput (PostgreSQL with synchronous_commit on, and PGlite),
 * single and batched, at 1, 4 and 16 concurrent writers with p50/p99 latency; full-verify
 * throughput over a large ledger against the machine's raw SHA-256 rate over the same bytes
 * and against the rate the store delivers the rows with no hashing (the verifier's ceiling), all
 * measured in the same run; proof generation and verification latency at that size.
 *
 *   npm run bench:ledger -- [--entries 1000000] [--pglite-entries 200000] [--seconds 3] [--proofs 2000]
 *                           [--skip-appends] [--format-entries 200000]
 *
 * "The format's hashing alone" times only the SHA-256 calls the entry format requires (payload,
 * entry, RFC 6962 leaf, tree nodes) over rows already in memory: the ceiling of full verify for
 * this format on this machine, whatever the reader and the checks cost.
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) or BULWARK_BENCH_POSTGRES_URL;
 * creates and drops its own database.
 */
import { createHash, hash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BYTE_FIELDS,
  CompactRange,
  type EntryInput,
  type EntryPage,
  entryHashOfBytes,
  entryPages,
  FIELD,
  Ledger,
  leafHashOfBytes,
  openDriver,
  payloadHashOfBytes,
  type SqlDriver,
  verifyConsistency,
  verifyInclusion,
} from '@bulwark/ledger';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    'pglite-entries': { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '3' },
    proofs: { type: 'string', default: '2000' },
    'skip-appends': { type: 'boolean', default: false },
    'format-entries': { type: 'string', default: '200000' },
  },
});
const FORMAT_ENTRIES = Number(values['format-entries']);
const ENTRIES = Number(values.entries);
const PGLITE_ENTRIES = Number(values['pglite-entries']);
const SECONDS = Number(values.seconds);
const PROOFS = Number(values.proofs);
const ADMIN =
  process.env.BULWARK_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ORIGIN = 'bench.bulwark/ledger';

const entry = (i: number): EntryInput => ({
  stream: 'bench',
  kind: 'audit.event',
  actor: `user:${i % 1000}`,
  payload: { i, route: '/v1/items', method: 'POST', status: 201, note: 'x'.repeat(64) },
});

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const log = (line = '') => process.stdout.write(`${line}\n`);

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bw_bench_ledger_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const settings = await admin.query(
    `SELECT current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync`,
  );
  await admin.end();
  log(`PostgreSQL: synchronous_commit=${settings.rows[0].sc}, fsync=${settings.rows[0].fsync}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

interface AppendResult {
  label: string;
  entriesPerSecond: number;
  p50: number;
  p99: number;
}

/** `writers` concurrent callers on one Ledger for SECONDS; batch = entries per call. */
async function appendRun(ledger: Ledger, writers: number, batch: number): Promise<AppendResult> {
  const latencies: number[] = [];
  let appended = 0;
  const deadline = performance.now() + SECONDS * 1000;
  let counter = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        if (batch === 1) await ledger.append(entry(counter++));
        else await ledger.appendBatch(Array.from({ length: batch }, () => entry(counter++)));
        latencies.push(performance.now() - started);
        appended += batch;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    label: `${batch === 1 ? 'single' : `batch ${batch}`}, ${writers} writer${writers > 1 ? 's' : ''}`,
    entriesPerSecond: appended / SECONDS,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
  };
}

async function appendSuite(name: string, open: () => Promise<SqlDriver>): Promise<void> {
  log(`\n## durable appends: ${name} (${SECONDS} s per row; latency per call)`);
  log('| mode | entries/s | p50 ms | p99 ms |');
  log('| --- | ---: | ---: | ---: |');
  const ledger = await Ledger.open(await open(), { origin: ORIGIN });
  for (const batch of [1, 100]) {
    for (const writers of [1, 4, 16]) {
      const r = await appendRun(ledger, writers, batch);
      log(`| ${r.label} | ${fmt(r.entriesPerSecond)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} |`);
    }
  }
  await ledger.close();
}

/** Separate connections contending for the head row, as separate processes would. */
async function separateWritersRun(url: string, writers: number): Promise<void> {
  const ledgers = await Promise.all(
    Array.from({ length: writers }, async () =>
      Ledger.open(await openDriver(url, { maxConnections: 1 }), { origin: ORIGIN, migrate: false }),
    ),
  );
  const latencies: number[] = [];
  let appended = 0;
  const deadline = performance.now() + SECONDS * 1000;
  await Promise.all(
    ledgers.map(async (ledger, w) => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await ledger.append(entry(w));
        latencies.push(performance.now() - started);
        appended += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  log(
    `| single, ${writers} separate connections (like processes) | ${fmt(appended / SECONDS)} | ${fmt(pct(latencies, 0.5), 2)} | ${fmt(pct(latencies, 0.99), 2)} |`,
  );
  for (const l of ledgers) await l.close();
}

async function fill(ledger: Ledger, target: number): Promise<number> {
  const started = performance.now();
  let size = (await ledger.head()).size;
  const chunk = 5_000;
  while (size < target) {
    const n = Math.min(chunk, target - size);
    await ledger.appendBatch(Array.from({ length: n }, (_, i) => entry(size + i)));
    size += n;
    if (size % 100_000 === 0) process.stderr.write(`\r  filled ${fmt(size)} / ${fmt(target)}`);
  }
  process.stderr.write('\r\x1b[2K');
  return (performance.now() - started) / 1000;
}

/**
 * The raw SHA-256 baseline over the bytes the verifier reads for each entry (names, payload,
 * the three stored hashes and the tree nodes), read back from the store page by page; only the
 * hashing is timed: one stream over all of it (bulk), and one digest per entry.
 */
async function rawHashBaseline(
  driver: SqlDriver,
  size: number,
): Promise<{ bytes: number; bulkSeconds: number; perEntrySeconds: number }> {
  const bulk = createHash('sha256');
  let bytes = 0;
  let bulkSeconds = 0;
  let perEntrySeconds = 0;
  for (let from = 1; from <= size; from += 20_000) {
    const page = await driver.query<{ b: Uint8Array }>(
      `SELECT convert_to(stream || kind || actor || payload, 'UTF8') || payload_hash || prev_hash || entry_hash || tree_nodes AS b
       FROM ledger_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq`,
      [from, from + 20_000],
    );
    const rows = page.map((r) => r.b);
    let started = performance.now();
    for (const r of rows) bulk.update(r);
    bulkSeconds += (performance.now() - started) / 1000;
    started = performance.now();
    for (const r of rows) hash('sha256', r, 'buffer');
    perEntrySeconds += (performance.now() - started) / 1000;
    for (const r of rows) bytes += r.length;
  }
  bulk.digest();
  return { bytes, bulkSeconds, perEntrySeconds };
}

/**
 * The rate the store delivers the verifier's rows with no hashing at all: the verifier's own
 * page stream (binary COPY on PostgreSQL, the row query on PGlite), read and parsed, nothing
 * more. Full verify cannot beat it.
 */
async function readOnlyRun(driver: SqlDriver, size: number): Promise<number> {
  const started = performance.now();
  let rows = 0;
  for await (const page of entryPages(driver, 1, size, 2_000)) rows += page.count;
  if (rows !== size) throw new Error(`read ${rows} rows, expected ${size}`);
  return (performance.now() - started) / 1000;
}

/**
 * The format's own cost: the four kinds of SHA-256 call an entry needs (payload hash, entry
 * hash, leaf hash, and on average one tree node), made by the verifier's own byte-level
 * functions over the first `count` rows held in memory, nothing else: no reading, no
 * comparisons, no allocation beyond the digests. Returns seconds per pass, best of three.
 */
async function formatHashingRun(
  driver: SqlDriver,
  count: number,
): Promise<{ seconds: number; calls: number; bytes: number }> {
  const pages: EntryPage[] = [];
  for await (const page of entryPages(driver, 1, count, 2_000)) pages.push(page);
  let bytes = 0;
  for (const page of pages) {
    for (let r = 0; r < page.count; r++) {
      const at = r * BYTE_FIELDS * 2;
      // What the four calls hash: domain-prefixed payload, the entry encoding, leaf, node.
      bytes += 26 + page.bounds[at + FIELD.payload * 2 + 1]! - page.bounds[at + FIELD.payload * 2]!;
      bytes += 24 + 16 + 12 + page.bounds[at + 5]! - page.bounds[at]! + 64;
      bytes += 33 + 65;
    }
  }
  let best = Number.POSITIVE_INFINITY;
  let calls = 0;
  for (let pass = 0; pass < 3; pass++) {
    const range = new CompactRange();
    calls = 0;
    const started = performance.now();
    for (const page of pages) {
      const { data, bounds } = page;
      for (let r = 0; r < page.count; r++) {
        const at = r * BYTE_FIELDS * 2;
        payloadHashOfBytes(
          data,
          bounds[at + FIELD.payload * 2]!,
          bounds[at + FIELD.payload * 2 + 1]!,
        );
        entryHashOfBytes(page.seq[r]!, page.timeMs[r]!, data, bounds, at);
        calls +=
          2 + range.append(leafHashOfBytes(data, bounds[at + FIELD.entryHash * 2]!)).length + 1;
      }
    }
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return { seconds: best, calls, bytes };
}

async function proofRun(ledger: Ledger, size: number, label: string): Promise<void> {
  const gen: number[] = [];
  const check: number[] = [];
  const cgen: number[] = [];
  const ccheck: number[] = [];
  const { root } = await ledger.head();
  for (let i = 0; i < PROOFS; i++) {
    const seq = 1 + Math.floor(Math.random() * size);
    let t = performance.now();
    const proof = await ledger.inclusionProof(seq, size);
    gen.push(performance.now() - t);
    t = performance.now();
    const ok = verifyInclusion(seq - 1, size, proof.leafHash, proof.proof, root);
    check.push(performance.now() - t);
    if (!ok) throw new Error(`inclusion proof for ${seq} failed`);
    const size1 = 1 + Math.floor(Math.random() * (size - 1));
    t = performance.now();
    const cproof = await ledger.consistencyProof(size1, size);
    cgen.push(performance.now() - t);
    t = performance.now();
    const cok = verifyConsistency(size1, size, cproof.proof, cproof.root1, root);
    ccheck.push(performance.now() - t);
    if (!cok) throw new Error(`consistency proof ${size1}->${size} failed`);
  }
  for (const a of [gen, check, cgen, ccheck]) a.sort((x, y) => x - y);
  log(`\n${fmt(PROOFS)} random proofs at tree size ${fmt(size)}, ${label}:`);
  log('| proof | p50 ms | p99 ms |');
  log('| --- | ---: | ---: |');
  log(`| inclusion, generate | ${fmt(pct(gen, 0.5), 3)} | ${fmt(pct(gen, 0.99), 3)} |`);
  log(`| inclusion, verify | ${fmt(pct(check, 0.5), 3)} | ${fmt(pct(check, 0.99), 3)} |`);
  log(`| consistency, generate | ${fmt(pct(cgen, 0.5), 3)} | ${fmt(pct(cgen, 0.99), 3)} |`);
  log(`| consistency, verify | ${fmt(pct(ccheck, 0.5), 3)} | ${fmt(pct(ccheck, 0.99), 3)} |`);
}

async function verifyAndProofSuite(name: string, driver: SqlDriver, size: number): Promise<void> {
  const ledger = await Ledger.open(driver, { origin: ORIGIN });
  const fillSeconds = await fill(ledger, size);
  log(
    `\n## full verify and proofs: ${name}, ${fmt(size)} entries (filled in ${fmt(fillSeconds, 1)} s, batches of 5,000)`,
  );
  const baseline = await rawHashBaseline(driver, size);
  const readSeconds = await readOnlyRun(driver, size);
  const started = performance.now();
  const report = await ledger.verify();
  const verifySeconds = (performance.now() - started) / 1000;
  if (!report.valid || report.checked !== size)
    throw new Error(`verify failed: ${JSON.stringify(report)}`);
  const mb = baseline.bytes / 1e6;
  const formatCount = Math.min(size, FORMAT_ENTRIES);
  const format = formatCount > 0 ? await formatHashingRun(driver, formatCount) : undefined;
  log('| measure | entries/s | MB/s | ratio to bulk SHA-256 |');
  log('| --- | ---: | ---: | ---: |');
  log(
    `| raw SHA-256, one stream over the same ${fmt(mb, 1)} MB (baseline) | ${fmt(size / baseline.bulkSeconds)} | ${fmt(mb / baseline.bulkSeconds)} | 1.00 |`,
  );
  log(
    `| raw SHA-256, one digest per entry | ${fmt(size / baseline.perEntrySeconds)} | ${fmt(mb / baseline.perEntrySeconds)} | ${fmt(baseline.bulkSeconds / baseline.perEntrySeconds, 3)} |`,
  );
  log(
    `| read + parse only, no hashing (${driver.kind === 'postgres' ? 'binary COPY' : 'row query'}; the verifier's ceiling) | ${fmt(size / readSeconds)} | ${fmt(mb / readSeconds)} | ${fmt(baseline.bulkSeconds / readSeconds, 3)} |`,
  );
  log(
    `| full verify (read + chain + tree + head) | ${fmt(size / verifySeconds)} | ${fmt(mb / verifySeconds)} | ${fmt(baseline.bulkSeconds / verifySeconds, 3)} |`,
  );
  if (format) {
    const n = formatCount;
    log(
      `| the format's hashing alone, from memory (${fmt(format.calls / n, 2)} SHA-256 calls per entry, first ${fmt(n)} entries; the format's ceiling) | ${fmt(n / format.seconds)} | ${fmt((mb * n) / size / format.seconds)} | ${fmt(n / format.seconds / (size / baseline.bulkSeconds), 3)} |`,
    );
  }
  log(`full verify vs one digest per entry: ${fmt(baseline.perEntrySeconds / verifySeconds, 3)}`);
  if (format) {
    const n = formatCount;
    log(
      `the format's hashing alone: ${fmt(format.calls / format.seconds)} SHA-256 calls/s, ${fmt((1e6 * format.seconds) / format.calls, 2)} µs per call ` +
        `(${fmt(format.bytes / format.calls)} bytes per call on average); ` +
        `${fmt(format.calls / n, 2)} calls per entry cap one thread at ${fmt(n / format.seconds)} entries/s = ` +
        `${fmt(n / format.seconds / (size / baseline.bulkSeconds), 3)} of bulk (one digest per entry: ${fmt(size / baseline.perEntrySeconds)} entries/s); ` +
        `full verify reaches ${fmt(((size / verifySeconds) * format.seconds) / n, 3)} of that ceiling`,
    );
  }
  log(`full verify vs read + parse only: ${fmt(readSeconds / verifySeconds, 3)}`);
  // The verifier makes about four SHA-256 calls per entry: payload, entry, leaf and (on
  // average) one tree node; the internal nodes of a tree of n leaves number n − 1.
  const calls = 3 + (size - 1) / size;
  log(
    `full verify in SHA-256 calls/s (${fmt(calls, 2)} per entry) vs one digest per entry: ` +
      `${fmt((calls * size) / verifySeconds)} vs ${fmt(size / baseline.perEntrySeconds)} = ` +
      `${fmt((calls * baseline.perEntrySeconds) / verifySeconds, 3)}`,
  );

  await proofRun(ledger, size, 'from the store: 1 indexed query per proof');
  const cached = await Ledger.open(driver, { origin: ORIGIN, migrate: false, cacheTree: true });
  const loadStarted = performance.now();
  await cached.warmTreeCache();
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  await proofRun(
    cached,
    size,
    `from the in-memory subtree cache (cacheTree: true, the ledger service's default; loaded in ${fmt(loadSeconds, 1)} s)`,
  );
  await ledger.close();
}

const db = await createDatabase();
const dir = mkdtempSync(join(tmpdir(), 'bw-bench-ledger-'));
try {
  log(`# bench:ledger  node ${process.version}, ${new Date().toISOString()}`);
  if (!values['skip-appends']) {
    await appendSuite('PostgreSQL', () => openDriver(db.url));
    await separateWritersRun(db.url, 16);
    await appendSuite('PGlite', () => openDriver(join(dir, 'appends')));
  }
  const verifyDb = await createDatabase();
  try {
    await verifyAndProofSuite('PostgreSQL', await openDriver(verifyDb.url), ENTRIES);
  } finally {
    await verifyDb.drop();
  }
  if (PGLITE_ENTRIES > 0)
    await verifyAndProofSuite('PGlite', await openDriver(join(dir, 'verify')), PGLITE_ENTRIES);
} finally {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
