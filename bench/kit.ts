/**
 * bench:kit: throughput and latency of one route on bare Fastify against the same route with the
 * whole kit on, measured in the same run, rounds interleaved so drift on a shared machine hits
 * both sides alike. Each server runs in its own process; autocannon drives it from this one.
 *
 *   npm run bench:kit -- [--seconds 5] [--rounds 3] [--connections 32] [--breakdown]
 *                        [--route empty|postgres] [--against REF]
 *
 * --route picks the route's work (bench/servers/hello-route.ts): empty answers from memory, the
 * worst case for the ratio; postgres runs one query per request on the local PostgreSQL
 * (BENCH_POSTGRES_URL), the shape of a typical API route.
 *
 * --against REF adds the kit service as of another commit (a temporary git worktree on this
 * install's dependencies), alternated with the others, so a change is measured against its base
 * in one run instead of across runs that this shared machine's drift would blur.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@bulwark/testkit';
import autocannon from 'autocannon';
import { request } from 'undici';
import { type Checkout, checkout } from './checkout.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    breakdown: { type: 'boolean', default: false },
    route: { type: 'string', default: 'empty' },
    against: { type: 'string' },
  },
});
if (values.route !== 'empty' && values.route !== 'postgres') {
  process.stderr.write(`bench:kit: --route must be empty or postgres, not ${values.route}\n`);
  process.exit(2);
}
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Sample {
  cpuPerRequest: number;
  userCpuPerRequest: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function startServer(subject: Subject): Promise<{ child: ChildProcess; port: number }> {
  const { file, env = {}, root = join(import.meta.dirname, '..') } = subject;
  const port = await freePort();
  // Logs go to /dev/null: the figure is the service's own cost (formatting and writing each
  // line), not that of a log collector reading a pipe on the same two cores.
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'bench', 'servers', file)], {
    env: {
      ...process.env,
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      BENCH_ROUTE: values.route,
      ...env,
    },
    stdio: ['ignore', devNull, 'inherit'],
  });
  closeSync(devNull);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${file} exited during startup`);
    try {
      const response = await request(`http://127.0.0.1:${port}/v1/hello/ready`);
      await response.body.dump();
      if (response.statusCode === 200) return { child, port };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}

/**
 * CPU time the process has used, in microseconds, from /proc: user (JavaScript, where the kit's
 * cost lies) and user + system (adds the kernel's share of the socket work, the same for every
 * server). Divided by the requests served, it is the server's cost per request: far steadier
 * than throughput on a shared machine, where the load generator and other jobs compete for the
 * same cores.
 */
function cpuMicros(pid: number): { user: number; total: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  const micros = (ticks: number) => (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
  return { user: micros(user), total: micros(user + system) };
}
const CLOCK_TICKS_PER_SECOND = 100;

async function measure(subject: Subject): Promise<Sample> {
  const { child, port } = await startServer(subject);
  const url = `http://127.0.0.1:${port}/v1/hello/world`;
  await autocannon({ url, connections, duration: 1 }); // warm-up: JIT, connection pool
  const cpuBefore = cpuMicros(child.pid ?? 0);
  const result = await autocannon({ url, connections, duration: seconds });
  const cpuAfter = cpuMicros(child.pid ?? 0);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return {
    cpuPerRequest: (cpuAfter.total - cpuBefore.total) / Math.max(1, result.requests.total),
    userCpuPerRequest: (cpuAfter.user - cpuBefore.user) / Math.max(1, result.requests.total),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Subject {
  label: string;
  /** The server, in bench/servers. */
  file: string;
  env?: Record<string, string>;
  /** The checkout to run it from; this one by default. */
  root?: string;
}
const BASELINE: Subject = { label: 'bare Fastify', file: 'bare-fastify.ts' };
const KIT: Subject = { label: 'kit service', file: 'kit-service.ts' };
// --breakdown attributes the gap: context propagation, the kit's request path layer by layer,
// the rest of a kit service, and the access log.
const subjects: Subject[] = values.breakdown
  ? [
      BASELINE,
      { label: 'Fastify + OTel context', file: 'fastify-with-context.ts' },
      { label: '+ kit traced server', file: 'kit-layers.ts', env: { KIT_LAYERS: 'traced' } },
      { label: '+ route hook, metrics', file: 'kit-layers.ts', env: { KIT_LAYERS: 'metrics' } },
      { label: 'kit, access log off', file: 'kit-service.ts', env: { BULWARK_ACCESS_LOG: 'off' } },
      KIT,
    ]
  : [BASELINE, KIT];

let baseSubject: Subject | undefined;
if (values.against !== undefined) {
  let base: Checkout;
  try {
    base = checkout(values.against);
  } catch (error) {
    process.stderr.write(`bench:kit: ${(error as Error).message}\n`);
    process.exit(2);
  }
  // The worktree goes on any exit, Ctrl-C included (a SIGKILL leaves it to `git worktree prune`).
  process.once('exit', () => base.remove());
  process.once('SIGINT', () => process.exit(130));
  baseSubject = { label: `kit @ ${base.commit}`, file: KIT.file, root: base.root };
  subjects.push(baseSubject);
}

const samples = new Map<Subject, Sample[]>(subjects.map((subject) => [subject, []]));
for (let round = 1; round <= rounds; round++) {
  for (const subject of subjects) {
    process.stderr.write(`round ${round}/${rounds}: ${subject.label}…\n`);
    samples.get(subject)?.push(await measure(subject));
  }
}

const summary = (list: Sample[]) => ({
  cpu: median(list.map((s) => s.cpuPerRequest)),
  user: median(list.map((s) => s.userCpuPerRequest)),
  rps: Math.round(median(list.map((s) => s.rps))),
  p50: median(list.map((s) => s.p50)),
  p99: median(list.map((s) => s.p99)),
  failures: list.reduce((n, s) => n + s.errors + s.non2xx, 0),
});
const baseline = summary(samples.get(BASELINE) ?? []);
console.log(
  `bench:kit  route ${values.route}, ${rounds} rounds x ${seconds} s, ${connections} connections, median of rounds`,
);
console.log(
  `${'server'.padEnd(24)}${'req/s'.padStart(8)}${'ratio'.padStart(8)}${'cpu µs/req'.padStart(12)}${'cpu ratio'.padStart(11)}${'user µs/req'.padStart(13)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}  failures`,
);
for (const subject of subjects) {
  const row = summary(samples.get(subject) ?? []);
  console.log(
    `${subject.label.padEnd(24)}${String(row.rps).padStart(8)}${(row.rps / baseline.rps).toFixed(3).padStart(8)}${row.cpu.toFixed(1).padStart(12)}${(baseline.cpu / row.cpu).toFixed(3).padStart(11)}${row.user.toFixed(1).padStart(13)}${String(row.p50).padStart(8)}${String(row.p99).padStart(8)}  ${row.failures}`,
  );
}
const kit = summary(samples.get(KIT) ?? []);
console.log(`throughput ratio kit/bare: ${(kit.rps / baseline.rps).toFixed(3)} (target >= 0.85)`);
// The steadier figure: server CPU per request, bare over kit (1.0 = the kit costs nothing).
console.log(
  `cpu ratio kit/bare: ${(baseline.cpu / kit.cpu).toFixed(3)}; the kit adds ${(kit.cpu - baseline.cpu).toFixed(1)} µs of server CPU per request, ${(kit.user - baseline.user).toFixed(1)} µs of it user time`,
);
if (baseSubject !== undefined) {
  const before = summary(samples.get(baseSubject) ?? []);
  console.log(
    `against ${baseSubject.label}: user CPU ${before.user.toFixed(1)} → ${kit.user.toFixed(1)} µs/req, server CPU ${before.cpu.toFixed(1)} → ${kit.cpu.toFixed(1)} µs/req, throughput ratio ${(before.rps / baseline.rps).toFixed(3)} → ${(kit.rps / baseline.rps).toFixed(3)}`,
  );
}
