/**
 * bench:verify: what the verify engine costs on top of the checks' own HTTP requests.
 *
 *   npm run bench:verify -- [--rounds 7] [--port-base 19080]
 *
 * Starts the reference stack (`bulwark up --no-probe`, state in a temporary directory), then,
 * in alternating rounds, (a) runs the reference plan's live criteria through the engine
 * (`runPlan`: plan → checks → verdicts, waivers, artifacts with their digests), recording every
 * HTTP request the checks send, and (b) replays exactly those requests with bare undici, in the
 * same order, over one keep-alive connection, reading each body whole. The engine's overhead
 * is (a − b) / b. Because the services' answer times move between rounds, it also prints the
 * engine's time outside the requests (a's time minus the time inside its HTTP calls), which
 * does not depend on them. Another figure is the whole command's remaining work: writing and signing
 * the bundle and rendering the JUnit and HTML reports. Static and manual criteria (the audit of
 * deploy/, attestations) send no HTTP and are timed on their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryAuditSink, openFileKeyProvider } from '@bulwark/keys';
import {
  defaultRegistry,
  type Exchange,
  HttpProbeClient,
  loadPlan,
  type RequestOptions,
  renderBundleHtml,
  renderBundleJunit,
  runPlan,
  writeBundle,
} from '@bulwark/verify';
import { Agent, request } from 'undici';
import { startReferenceStack } from './reference-stack.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    'port-base': { type: 'string', default: '19080' },
  },
});
const ROUNDS = Number(values.rounds);
const PORT_BASE = Number(values['port-base']);
const ROOT = resolve(import.meta.dirname, '..');
const SERVICES = ['witness', 'ledger', 'core-api'];

interface Recorded {
  readonly url: URL;
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
}

/** The checks' own client, recording what it sends so the baseline can send the same. */
class RecordingClient extends HttpProbeClient {
  readonly sent: Recorded[] = [];
  /** Time spent inside the requests: the engine's own work is the run's time outside them. */
  inRequestsMs = 0;
  override async request(url: URL, options: RequestOptions): Promise<Exchange> {
    this.sent.push({ url, method: options.method, headers: options.headers, body: options.body });
    const t0 = performance.now();
    try {
      return await super.request(url, options);
    } finally {
      this.inRequestsMs += performance.now() - t0;
    }
  }
}

async function replay(requests: readonly Recorded[]): Promise<number> {
  const agent = new Agent({ connections: 1, pipelining: 1 });
  const t0 = performance.now();
  for (const r of requests) {
    const response = await request(r.url, {
      method: r.method as 'GET',
      headers: r.headers,
      ...(r.body === undefined ? {} : { body: r.body }),
      dispatcher: agent,
    });
    await response.body.arrayBuffer();
  }
  const ms = performance.now() - t0;
  await agent.destroy();
  return ms;
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-verify-'));
  const stack = await startReferenceStack(dir, PORT_BASE);
  try {
    SERVICES.forEach((name, i) => {
      process.env[`BULWARK_${name.toUpperCase().replace(/-/g, '_')}_URL`] =
        `http://127.0.0.1:${PORT_BASE + i}`;
    });
    const registry = defaultRegistry();
    const loaded = await loadPlan(join(ROOT, 'bulwark.plan.yaml'), registry);
    const live = loaded.plan.criteria
      .filter((c) => c.checks?.length && c.checks.every((b) => b.check !== 'audit.controls'))
      .map((c) => c.id);
    const offline = loaded.plan.criteria.map((c) => c.id).filter((id) => !live.includes(id));
    const provider = await openFileKeyProvider({
      dir: join(dir, 'keys'),
      audit: new MemoryAuditSink(),
    });
    await provider.create('evidence');
    const signer = await provider.open('evidence');

    const engine: number[] = [];
    const raw: number[] = [];
    const writing: number[] = [];
    const outside: number[] = [];
    let requests = 0;
    // The previous round's requests are the baseline; the order alternates every round, so
    // neither side always runs on a stack just warmed (or just disturbed) by the other.
    let previous: Recorded[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const http = new RecordingClient({ timeoutMs: 5000 });
      const shared = { attestationsDir: join(dir, 'attestations'), http };
      const timedEngine = async () => {
        const t0 = performance.now();
        const run = await runPlan({
          loaded,
          environment: 'local',
          registry,
          shared,
          timeoutMs: 5000,
          toolVersion: 'bench',
          only: live,
        });
        return { run, ms: performance.now() - t0 };
      };
      let rawMs = 0;
      let result: Awaited<ReturnType<typeof timedEngine>>;
      if (round % 2 === 0) {
        result = await timedEngine();
        rawMs = await replay(round === 0 ? http.sent : previous);
      } else {
        rawMs = await replay(previous);
        result = await timedEngine();
      }
      await http.close();
      previous = http.sent;
      const { run } = result;
      if (!run.bundle.criteria.every((c) => c.verdict === 'pass')) {
        throw new Error(
          `the reference stack did not pass: ${run.bundle.criteria
            .filter((c) => c.verdict !== 'pass')
            .map((c) => `${c.id}: ${c.reason}`)
            .join('; ')}`,
        );
      }
      const t2 = performance.now();
      await writeBundle(run, { root: join(dir, 'evidence'), signer });
      renderBundleJunit(run.bundle);
      renderBundleHtml(run.bundle);
      const writeMs = performance.now() - t2;
      if (round === 0) continue; // warm-up: connections, JIT
      engine.push(result.ms);
      outside.push(result.ms - http.inRequestsMs);
      raw.push(rawMs);
      writing.push(writeMs);
      requests = http.sent.length;
    }
    const offlineMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const http = new RecordingClient({ timeoutMs: 5000 });
      const t1 = performance.now();
      await runPlan({
        loaded,
        environment: 'local',
        registry,
        shared: { attestationsDir: join(dir, 'attestations'), http },
        timeoutMs: 5000,
        toolVersion: 'bench',
        only: offline,
      });
      offlineMs.push(performance.now() - t1);
      await http.close();
    }
    await provider.close();
    const e = median(engine);
    const r = median(raw);
    console.log(
      `bench:verify  reference plan, ${live.length} live criteria over ${SERVICES.length} services, ${requests} HTTP requests, median of ${ROUNDS} rounds`,
    );
    console.log(`  engine (runPlan, live criteria)     ${e.toFixed(1)} ms`);
    console.log(`  the same requests, bare undici      ${r.toFixed(1)} ms`);
    console.log(
      `  engine overhead                     ${(((e - r) / r) * 100).toFixed(1)} % of the checks' HTTP time (ratio ${(e / r).toFixed(3)})`,
    );
    const own = median(outside);
    console.log(
      `  engine time outside the requests    ${own.toFixed(1)} ms = ${((own / r) * 100).toFixed(1)} % of the bare requests' time (immune to the servers' noise)`,
    );
    console.log(`  bundle write + sign + JUnit + HTML  ${median(writing).toFixed(1)} ms`);
    console.log(
      `  static and manual criteria          ${median(offlineMs).toFixed(1)} ms (${offline.join(', ')})`,
    );
  } finally {
    stack.kill('SIGINT');
    await new Promise((done) => stack.once('exit', done));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
