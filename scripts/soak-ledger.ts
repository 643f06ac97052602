/**
 * soak:ledger: runs the real ledger service for N minutes under bounded load and keeps
 * restarting it (SIGTERM or kill -9 at random), checking after every restart that each
 * acknowledged append is present with its acknowledged hash and that the chain verifies;
 * ends with a full verify over HTTP and an offline verify against the witness.
 *
 *   npm run soak:ledger -- --minutes 10 [--rate 100] [--clients 4] [--cycle-seconds 20]
 *                          [--db postgres://...|PGLITE_DIR] [--work DIR]
 *
 * Memory stays bounded: acknowledgements are kept only until the restart that checks them.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DirectoryWitness, openDriver, parseVerifierKey, verifyLedger } from '@bulwark/ledger';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    rate: { type: 'string', default: '100' },
    clients: { type: 'string', default: '4' },
    'cycle-seconds': { type: 'string', default: '20' },
    db: { type: 'string' },
    work: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const clients = Number(values.clients);
const cycleSeconds = Number(values['cycle-seconds']);
if (!(minutes > 0) || !(rate > 0) || !(clients > 0) || !(cycleSeconds > 0)) {
  process.stderr.write(
    'soak:ledger: --minutes, --rate, --clients and --cycle-seconds must be positive numbers\n',
  );
  process.exit(2);
}
const work = values.work ?? mkdtempSync(join(tmpdir(), 'bulwark-soak-ledger-'));
mkdirSync(work, { recursive: true });
const db = values.db ?? join(work, 'pglite');
const witnessDir = join(work, 'witness');
const MAIN = fileURLToPath(new URL('../services/ledger/src/main.ts', import.meta.url));
const log = (line: string) => process.stdout.write(`[${new Date().toISOString()}] ${line}\n`);

const env = {
  ...(db.startsWith('postgres') ? { DATABASE_URL: db } : { BULWARK_LEDGER_DATA_DIR: db }),
  BULWARK_LEDGER_WITNESS_DIR: witnessDir,
  BULWARK_KEYS_DIR: join(work, 'keys'),
  BULWARK_LEDGER_ORIGIN: 'soak.bulwark/ledger',
  BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '5000',
  BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
  LOG_LEVEL: 'warn',
  BULWARK_ACCESS_LOG: 'off',
};

interface Totals {
  cycles: number;
  graceful: number;
  killed: number;
  acked: number;
  failedAppends: number;
  verifies: number;
  invalid: number;
  missing: number;
  latencies: number[];
}
const totals: Totals = {
  cycles: 0,
  graceful: 0,
  killed: 0,
  acked: 0,
  failedAppends: 0,
  verifies: 0,
  invalid: 0,
  missing: 0,
  latencies: [],
};

async function start(port: number): Promise<SpawnedProcess> {
  const child = spawnTs(MAIN, { ...env, PORT: String(port), NODE_ENV: 'development' });
  const until = Date.now() + 120_000;
  let exited = false;
  child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < until && !exited) {
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return child;
    await sleep(100);
  }
  throw new Error(`the ledger service did not become ready:\n${child.lines.slice(-10).join('\n')}`);
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(600_000) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Appends at the bounded rate until `until`; returns the acknowledged seq → hash of this cycle. */
async function load(base: string, until: number): Promise<Map<number, string>> {
  const acked = new Map<number, string>();
  const perClientGapMs = (1000 * clients) / rate;
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (Date.now() < until) {
        const started = performance.now();
        try {
          const res = await fetch(`${base}/v1/ledger/entries`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              stream: 'soak',
              kind: 'tick',
              actor: `client:${c}`,
              payload: { n: n++, at: Date.now() },
            }),
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await res.json()) as { seq?: number; entryHash?: string };
          if (res.status === 201 && body.seq && body.entryHash) {
            acked.set(body.seq, body.entryHash);
            totals.latencies.push(performance.now() - started);
          } else totals.failedAppends += 1;
        } catch {
          // The process was killed under us: this append was never acknowledged.
          totals.failedAppends += 1;
          return;
        }
        const wait = perClientGapMs - (performance.now() - started);
        if (wait > 0) await sleep(wait);
      }
    }),
  );
  if (totals.latencies.length > 200_000) totals.latencies = totals.latencies.slice(-100_000);
  return acked;
}

async function checkAcked(base: string, acked: Map<number, string>): Promise<void> {
  const seqs = [...acked.keys()].sort((a, b) => a - b);
  if (seqs.length === 0) return;
  let from = seqs[0] as number;
  const last = seqs[seqs.length - 1] as number;
  while (from <= last) {
    const { body } = await json<{ entries: { seq: number; entryHash: string }[] }>(
      `${base}/v1/ledger/entries?from=${from}&limit=1000`,
    );
    if (body.entries.length === 0) break;
    for (const e of body.entries) {
      const want = acked.get(e.seq);
      if (want !== undefined) {
        if (want !== e.entryHash) totals.missing += 1;
        acked.delete(e.seq);
      }
    }
    from = (body.entries[body.entries.length - 1] as { seq: number }).seq + 1;
  }
  totals.missing += acked.size;
  totals.acked += seqs.length;
}

async function verifyOverHttp(base: string, mode: 'full' | 'incremental'): Promise<void> {
  const started = performance.now();
  const { body } = await json<{
    valid: boolean;
    checked: number;
    head: number;
    reason: string | null;
  }>(`${base}/v1/ledger/verify?mode=${mode}`);
  totals.verifies += 1;
  if (!body.valid) totals.invalid += 1;
  log(
    `verify ${mode}: ${body.valid ? 'valid' : `INVALID (${body.reason})`}, checked ${body.checked}, head ${body.head}, ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const deadline = Date.now() + minutes * 60_000;
log(
  `soak: ${minutes} min, ${rate} appends/s from ${clients} clients, restart every ~${cycleSeconds} s, store ${db}, work dir ${work}`,
);
let child = await start(port);
let pending = new Map<number, string>();
while (Date.now() < deadline) {
  const cycleEnd = Math.min(deadline, Date.now() + cycleSeconds * 1000 * (0.5 + Math.random()));
  const killAt = cycleEnd;
  const loading = load(base, killAt + 60_000);
  await sleep(Math.max(0, killAt - Date.now()));
  const crash = Math.random() < 0.5;
  child.kill(crash ? 'SIGKILL' : 'SIGTERM');
  await child.exited;
  if (crash) totals.killed += 1;
  else totals.graceful += 1;
  for (const [seq, hash] of await loading) pending.set(seq, hash);
  totals.cycles += 1;
  child = await start(port);
  await checkAcked(base, pending);
  pending = new Map();
  await verifyOverHttp(base, totals.cycles % 5 === 0 ? 'full' : 'incremental');
}
// Let the periodic checkpoint task sign the final head, then verify everything.
await json(`${base}/v1/ledger/checkpoints`, { method: 'POST' });
await verifyOverHttp(base, 'full');
const keys = (
  await json<{ verifierKeys: string[] }>(`${base}/v1/ledger/checkpoints`)
).body.verifierKeys.map(parseVerifierKey);
child.kill('SIGTERM');
await child.exited;

const driver = await openDriver(db);
const offline = await verifyLedger(driver, {
  trustedKeys: keys,
  witnesses: [new DirectoryWitness(witnessDir, keys)],
});
await driver.close();
const sorted = totals.latencies.sort((a, b) => a - b);
const p = (q: number) => (sorted[Math.floor(sorted.length * q)] ?? 0).toFixed(1);
log('summary');
const summary = {
  minutes,
  restarts: totals.cycles,
  graceful: totals.graceful,
  killed: totals.killed,
  acknowledgedAppends: totals.acked,
  acknowledgedMissingOrChanged: totals.missing,
  unacknowledgedAppends: totals.failedAppends,
  appendLatencyMs: { p50: Number(p(0.5)), p99: Number(p(0.99)) },
  verifies: totals.verifies,
  invalidVerifies: totals.invalid,
  offlineVerify: {
    valid: offline.valid,
    checked: offline.checked,
    head: offline.head,
    checkpointsCompared: offline.checkpoints.compared,
    reason: offline.reason,
  },
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
const ok = totals.missing === 0 && totals.invalid === 0 && offline.valid;
log(ok ? 'SOAK PASSED' : 'SOAK FAILED');
process.exit(ok ? 0 : 1);
