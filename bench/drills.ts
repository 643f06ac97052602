/**
 * bench:drills: the figures of each drill on the reference stack.
 *
 *   npm run bench:drills -- [--port-base 19180] [--seconds 10] [--soak-seconds 20] [--daily 40000]
 *
 * Starts the reference stack (`bulwark up --no-probe`, state in a temporary directory), then runs
 * each drill through the verify engine (`runPlan`, as `bulwark drill NAME` does) and prints its
 * figures:
 *   - drill.load on core-api: GET /v1/items (memory) and POST /v1/items (each write goes through
 *     the ledger first), as fast as they answer; against a bare autocannon run of the same
 *     request, connections and duration in the same process, which is the baseline: the ratio is
 *     what the drill's per-answer accounting costs in throughput;
 *   - drill.soak on core-api: steady writes with the ledger's chain verified throughout, then the
 *     volume mode compressing `--daily` requests into the same time;
 *   - drill.shutdown on core-api, last (it stops the service; `up` restarts it, `restart: always`), when
 *     `up` writes pid files;
 *   - the restore drill's figures: bench/drills-restore.ts (a database of about 1 GB on a private
 *     PostgreSQL, the drill's restore rate against a raw pg_restore of the same dump).
 * The machine is shared and small: read the ratios, not the absolute figures.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createSharedServices,
  defaultRegistry,
  loadPlan,
  type Measurements,
  runPlan,
} from '@bulwark/verify';
import autocannon from 'autocannon';
import { benchRestore } from './drills-restore.js';
import { startReferenceStack } from './reference-stack.js';

const { values } = parseArgs({
  options: {
    'port-base': { type: 'string', default: '19180' },
    seconds: { type: 'string', default: '10' },
    'soak-seconds': { type: 'string', default: '20' },
    daily: { type: 'string', default: '40000' },
  },
});
const PORT_BASE = Number(values['port-base']);
const LOAD_MS = Number(values.seconds) * 1000;
const SOAK_MS = Number(values['soak-seconds']) * 1000;
const DAILY = Number(values.daily);
const ROOT = resolve(import.meta.dirname, '..');
const SERVICES = ['witness', 'ledger', 'core-api'];
const CONNECTIONS = 10;
const url = (service: string) => `http://127.0.0.1:${PORT_BASE + SERVICES.indexOf(service)}`;
/** Where `up` keeps its services' pid files: beside the stack file (packages/cli/src/stack/pid-files.ts). */
const CORE_API_PID = join(ROOT, '.bulwark', 'state', 'pids', 'core-api.pid');

function planText(withShutdown: boolean): string {
  const load = (path: string, extra = '') =>
    `{ path: ${path}, connections: ${CONNECTIONS}, durationMs: ${LOAD_MS}${extra}, p99Ms: 10000, maxErrorRate: 0 }`;
  const post = `, method: POST, body: { name: bench, quantity: 1 }`;
  return `format: bulwark.plan/v1
name: bench drills
environments:
  local:
    services:
      - { name: core-api, url: "${url('core-api')}", kind: http${withShutdown ? `, control: { pidFile: "${CORE_API_PID}" }` : ''} }
      - { name: ledger, url: "${url('ledger')}", kind: ledger }
criteria:
  - id: load.read
    text: GET /v1/items under load
    checks: [{ check: drill.load, services: [core-api], with: ${load('/v1/items')} }]
  - id: load.write
    text: POST /v1/items under load (each write recorded in the ledger first)
    checks: [{ check: drill.load, services: [core-api], with: ${load('/v1/items', post)} }]
  - id: soak.steady
    text: steady writes, ledger verified throughout
    checks:
      - check: drill.soak
        services: [core-api]
        with: { path: /v1/items${post}, rate: 50, durationMs: ${SOAK_MS}, ledgerEveryMs: ${Math.max(1000, SOAK_MS / 5)} }
  - id: soak.volume
    text: a day of reads compressed
    checks:
      - check: drill.soak
        services: [core-api]
        with: { path: /v1/items, mode: volume, dailyRequests: ${DAILY}, durationMs: ${SOAK_MS}, connections: 64 }
${
  withShutdown
    ? `  - id: shutdown
    text: core-api shuts down gracefully
    checks: [{ check: drill.shutdown, services: [core-api], with: { maxMs: 30000 } }]
`
    : ''
}`;
}

/** A bare autocannon run of the same request: the baseline for drill.load's throughput. */
async function bareAutocannon(path: string, post: boolean, durationMs = LOAD_MS): Promise<number> {
  const result = await autocannon({
    url: `${url('core-api')}${path}`,
    connections: CONNECTIONS,
    duration: durationMs / 1000,
    ...(post
      ? {
          method: 'POST' as const,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'bench', quantity: 1 }),
        }
      : {}),
  });
  return (result['2xx'] * 1000) / (result.duration * 1000);
}

const figure = (m: Measurements, key: string) => m[key] ?? '-';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-drills-'));
  const stack = await startReferenceStack(dir, PORT_BASE);
  let stackExited = false;
  stack.once('exit', () => {
    stackExited = true;
  });
  try {
    const registry = defaultRegistry();
    const withShutdown = registry.get('drill.shutdown') !== undefined && existsSync(CORE_API_PID);
    const planFile = join(dir, 'bench.plan.yaml');
    writeFileSync(planFile, planText(withShutdown));
    const loaded = await loadPlan(planFile, registry);
    const shared = createSharedServices({
      timeoutMs: 5000,
      attestationsDir: join(dir, 'attestations'),
    });
    const run = async (id: string) => {
      const t0 = performance.now();
      const { bundle } = await runPlan({
        loaded,
        environment: 'local',
        registry,
        shared,
        timeoutMs: 5000,
        toolVersion: 'bench',
        only: [id],
      });
      const record = bundle.criteria[0]?.checks[0];
      if (!record) throw new Error(`${id} did not run`);
      return { record, ms: performance.now() - t0 };
    };

    console.log(
      `bench:drills  reference stack on ports ${PORT_BASE}-${PORT_BASE + 2}, ${CONNECTIONS} connections, ${LOAD_MS / 1000} s load runs, ${SOAK_MS / 1000} s soaks`,
    );
    for (const [id, path, post] of [
      ['load.read', '/v1/items', false],
      ['load.write', '/v1/items', true],
    ] as const) {
      // Alternate: the bare run first for reads, the drill first for writes, so neither side
      // always meets a stack just warmed (or just filled) by the other.
      const bareFirst = id === 'load.read';
      await bareAutocannon(path, post, 2000); // warm-up: connections, JIT, the ledger's caches
      const bare1 = bareFirst ? await bareAutocannon(path, post) : undefined;
      const { record } = await run(id);
      const bare = bare1 ?? (await bareAutocannon(path, post));
      const m = record.measurements;
      const rps = Number(m.goodRps);
      console.log(
        `  drill.load ${post ? 'POST' : 'GET '} ${path}  ${record.status}  ${rps} req/s (bare autocannon ${bare.toFixed(0)} req/s, ratio ${(rps / bare).toFixed(3)})  p50 ${figure(m, 'p50Ms')} ms  p95 ${figure(m, 'p95Ms')} ms  p99 ${figure(m, 'p99Ms')} ms  max ${figure(m, 'maxMs')} ms  errors ${figure(m, 'errorRate')}`,
      );
    }
    for (const id of ['soak.steady', 'soak.volume']) {
      const { record } = await run(id);
      const m = record.measurements;
      const mib = (n: unknown) =>
        typeof n === 'number' ? `${(n / 1_048_576).toFixed(1)} MiB` : '-';
      console.log(
        `  drill.soak ${m.mode}  ${record.status}  target ${figure(m, 'targetRps')} req/s, sent ${figure(m, 'sent')} (dropped ${figure(m, 'dropped')}), ${figure(m, 'goodRps')} good req/s  p99 ${figure(m, 'p99Ms')} ms  RSS growth ${mib(m.rssGrowthBytes)}  handle growth ${figure(m, 'handleGrowth')}  ledger ${figure(m, 'ledgerValid')}/${figure(m, 'ledgerVerifications')} valid`,
      );
      if (record.status !== 'pass') console.log(`    ${record.summary}`);
    }
    if (withShutdown) {
      const { record } = await run('shutdown');
      const m = record.measurements;
      console.log(
        `  drill.shutdown core-api  ${record.status}  /ready stopped answering 200 after ${figure(m, 'readyStoppedMs')} ms, exited after ${figure(m, 'exitMs')} ms`,
      );
    } else {
      console.log(
        '  drill.shutdown  not run: `bulwark up` wrote no pid file for core-api (or the drill is not registered)',
      );
    }
    await shared.close();

    // The restore drill on its own private PostgreSQL (H-restore's bench/drills-restore.ts).
    for (const line of await benchRestore()) console.log(line);
  } finally {
    if (!stackExited) {
      stack.kill('SIGINT');
      await new Promise((done) => stack.once('exit', done));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
