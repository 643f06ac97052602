/**
 * bench:kit: throughput and latency of one route on bare Fastify against the same route with the
 * whole kit on, measured in the same run, rounds interleaved so drift on a shared machine hits
 * both sides alike. Each server runs in its own process; autocannon drives it from this one.
 *
 *   npm run bench:kit -- [--seconds 5] [--rounds 3] [--connections 32]
 *                        [--route empty|postgres|both]
 *                        [--breakdown | --peers [--jwt-alg RS256|ES256] [--peer-jwt-cache]]
 *                        [--against REF]
 *
 * --route picks the route's work (bench/servers/hello-route.ts): empty answers from memory, the
 * worst case for the ratio; postgres runs one query per request on the local PostgreSQL
 * (BENCH_POSTGRES_URL), the shape of a typical API route; both measures each in every round.
 *
 * --peers sets the kit against the stack a Fastify user would assemble instead
 * (bench/servers/peer-stack.ts): the foundation set (OpenTelemetry's Node SDK with the http and
 * @fastify/otel instrumentations, pino request logging, fastify-metrics) against the kit's, and
 * that set plus @fastify/helmet, @fastify/jwt and @fastify/rate-limit against the kit with
 * authentication, rate limiting, security headers, load shedding and strict schemas on. Both
 * authenticating servers get the same bearer token (--jwt-alg, RS256 by default). The kit keeps
 * tokens it has verified, and every request here repeats one token; @fastify/jwt's cache of
 * verified tokens is off by default, and --peer-jwt-cache adds that peer with it on.
 *
 * --against REF adds the kit service as of another commit (a temporary git worktree on this
 * install's dependencies), alternated with the others, so a change is measured against its base
 * in one run instead of across runs that this shared machine's drift would blur.
 *
 * The servers' order rotates from round to round, and each server's figure of every round is
 * printed, so an effect of position (a server always measured after the heaviest one) shows.
 * A server that cannot start ends the run with exit code 2 and one line saying why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@bulwark/testkit';
import autocannon from 'autocannon';
import { request } from 'undici';
import { type Checkout, checkout } from './checkout.js';
import { type BenchJwt, makeBenchJwt } from './servers/bench-jwt.js';
import { CPU_USAGE_REQUEST, isCpuUsageReport } from './servers/cpu-usage.js';

/** A failure that ends the run with exit code 2 and its message as the one line printed. */
class BenchFailure extends Error {}

function fail(message: string): never {
  process.stderr.write(`bench:kit: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    breakdown: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    'peer-jwt-cache': { type: 'boolean', default: false },
    'jwt-alg': { type: 'string', default: 'RS256' },
    route: { type: 'string', default: 'empty' },
    against: { type: 'string' },
  },
});
type Route = 'empty' | 'postgres';
const routes: Route[] =
  values.route === 'both'
    ? ['empty', 'postgres']
    : values.route === 'empty' || values.route === 'postgres'
      ? [values.route]
      : fail(`--route must be empty, postgres or both, not ${values.route}`);
const positive = (name: string, text: string) => {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fail(`--${name} must be a whole number above 0`);
};
const seconds = positive('seconds', values.seconds);
const rounds = positive('rounds', values.rounds);
const connections = positive('connections', values.connections);
const jwtAlgorithm =
  values['jwt-alg'] === 'RS256' || values['jwt-alg'] === 'ES256'
    ? values['jwt-alg']
    : fail(`--jwt-alg must be RS256 or ES256, not ${values['jwt-alg']}`);
if (values.peers && values.breakdown) fail('--peers and --breakdown are separate runs: pick one');
if (values['peer-jwt-cache'] && !values.peers) fail('--peer-jwt-cache goes with --peers');

const ROOT = join(import.meta.dirname, '..');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const cpuReporter = pathToFileURL(join(ROOT, 'bench', 'servers', 'cpu-usage-reporter.ts')).href;
const STARTUP_TIMEOUT_MS = 60_000;
/** Enough of a server's output to hold its failure line, stack and shutdown lines included. */
const OUTPUT_TAIL_CHARS = 65_536;

/**
 * What a server must be seen doing before its figures mean what its label says: a preload that
 * silently failed, or a kit part still a placeholder, would make a stack look cheaper than it is.
 */
type Feature =
  | 'otel-instrumented'
  | 'trace-context'
  | 'route-metrics'
  | 'auth-required'
  | 'security-headers'
  | 'rate-limit-headers';

interface Subject {
  label: string;
  /** The server, in bench/servers. */
  file: string;
  env?: Record<string, string>;
  /** The checkout to run it from; this one by default. */
  root?: string;
  /** Modules of this checkout's bench/servers preloaded (--import) before the server. */
  preload?: string[];
  /** Every request carries the run's bearer token. */
  authenticated?: boolean;
  expects?: readonly Feature[];
}

interface Sample {
  cpuPerRequest: number;
  userCpuPerRequest: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

interface CpuMicros {
  user: number;
  total: number;
}

interface RunningServer {
  port: number;
  /** CPU time the server process has used, all threads, in microseconds. */
  cpu(): Promise<CpuMicros>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Servers must not outlive the bench, holding their ports, whatever ends it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
process.once('SIGINT', () => process.exit(130));

let jwt: BenchJwt | undefined;
const headersOf = (subject: Subject): Record<string, string> =>
  subject.authenticated && jwt ? { authorization: jwt.authorization } : {};

function serverArgs(subject: Subject): string[] {
  const { file, root = ROOT, preload = [] } = subject;
  const imports = [
    tsx,
    cpuReporter,
    ...preload.map((p) => pathToFileURL(join(ROOT, 'bench', 'servers', p)).href),
  ];
  return [...imports.flatMap((url) => ['--import', url]), join(root, 'bench', 'servers', file)];
}

function serverEnv(subject: Subject, route: Route, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    BENCH_ROUTE: route,
    ...jwt?.env,
    ...subject.env,
  };
}

async function startServer(subject: Subject, route: Route): Promise<RunningServer> {
  const port = await freePort();
  // Logs go to /dev/null: the figure is the service's own cost (formatting and writing each
  // line), not that of a log collector reading a pipe on the same two cores.
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, serverArgs(subject), {
    env: serverEnv(subject, route, port),
    stdio: ['ignore', devNull, 'pipe', 'ipc'],
  });
  closeSync(devNull);
  running.add(child);
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : null);
      running.delete(child);
      resolve();
    }),
  );
  const stop = async () => {
    if (exitCode === undefined) child.kill('SIGTERM');
    await exited;
  };
  const started = Date.now();
  for (;;) {
    if (exitCode !== undefined) {
      const why = reasonIn(stderrTail) ?? (await diagnose(subject, route));
      throw new BenchFailure(
        `${subject.label} (route ${route}) exited with code ${exitCode} during startup${why ? `: ${why}` : ''}`,
      );
    }
    if (Date.now() - started > STARTUP_TIMEOUT_MS) {
      await stop();
      throw new BenchFailure(
        `${subject.label} (route ${route}) did not answer 200 on /v1/hello/ready within ${STARTUP_TIMEOUT_MS / 1000} s`,
      );
    }
    try {
      const response = await request(`http://127.0.0.1:${port}/v1/hello/ready`, {
        headers: headersOf(subject),
      });
      await response.body.dump();
      if (response.statusCode === 200) return { port, cpu: () => cpuUsageOf(child), stop };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}

/**
 * Why a server failed, from the tail of its output: the last error or fatal log line's code and
 * message when it logs JSON (a kit service logs its shutdown after the failure), else the last
 * line.
 */
function reasonIn(text: string): string | undefined {
  const lines = text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '');
  const failure = lines.findLast((line) => /"level":\s*("fatal"|"error"|50|60)/.test(line));
  let reason = (failure ?? lines.at(-1))?.trim();
  if (reason === undefined) return undefined;
  try {
    const { code, msg } = JSON.parse(reason) as { code?: unknown; msg?: unknown };
    if (typeof msg === 'string') reason = typeof code === 'string' ? `${code} ${msg}` : msg;
  } catch {
    // not a JSON line: kept as it is
  }
  return reason.length > 400 ? `${reason.slice(0, 400)}…` : reason;
}

/**
 * A kit service logs why it could not start on stdout, which the measured run sends to
 * /dev/null: the server is started once more with stdout kept, for the line that says why.
 */
async function diagnose(subject: Subject, route: Route): Promise<string | undefined> {
  const port = await freePort();
  const child = spawn(process.execPath, serverArgs(subject), {
    env: serverEnv(subject, route, port),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // One that starts this time is stopped after a while: then the first failure stays unexplained.
  await Promise.race([exited, sleep(15_000)]);
  child.kill('SIGKILL');
  running.delete(child);
  return reasonIn(output);
}

function cpuUsageOf(child: ChildProcess): Promise<CpuMicros> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new BenchFailure(`server pid ${child.pid} did not report its CPU usage within 5 s`));
    }, 5_000);
    function onMessage(message: unknown) {
      if (!isCpuUsageReport(message)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({ user: message.user, total: message.user + message.system });
    }
    child.on('message', onMessage);
    child.send(CPU_USAGE_REQUEST, (error) => {
      if (!error) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      reject(new BenchFailure(`server pid ${child.pid} exited during the measurement`));
    });
  });
}

/** The features a server was expected to show and did not, each with what was seen instead. */
async function missingFeatures(subject: Subject, port: number): Promise<string[]> {
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string, headers = headersOf(subject)) => {
    const response = await request(`${base}${path}`, { headers });
    return {
      status: response.statusCode,
      headers: response.headers,
      text: await response.body.text(),
    };
  };
  const hello = await get('/v1/hello/check');
  const missing: string[] = [];
  for (const feature of subject.expects ?? []) {
    switch (feature) {
      case 'otel-instrumented': {
        const seen = await get('/__bench/otel');
        if (seen.text !== '{"httpInstrumented":true,"fastifyInstrumented":true}')
          missing.push(`OpenTelemetry instrumentation (${seen.status} ${seen.text.slice(0, 120)})`);
        break;
      }
      case 'trace-context':
        if (hello.headers.traceresponse === undefined) missing.push('traceresponse header');
        break;
      case 'route-metrics': {
        const metrics = await get('/metrics');
        if (!metrics.text.includes('/v1/hello/:name'))
          missing.push(`route metrics (/metrics answered ${metrics.status} without the route)`);
        break;
      }
      case 'auth-required': {
        const anonymous = await get('/v1/hello/check', {});
        if (anonymous.status !== 401)
          missing.push(`authentication (${anonymous.status} without a token, not 401)`);
        break;
      }
      case 'security-headers':
        if (hello.headers['x-content-type-options'] !== 'nosniff')
          missing.push('security headers (no x-content-type-options: nosniff)');
        break;
      case 'rate-limit-headers':
        if (
          hello.headers['ratelimit-limit'] === undefined &&
          hello.headers['x-ratelimit-limit'] === undefined
        )
          missing.push('rate limiting (no RateLimit-Limit header)');
        break;
    }
  }
  if (hello.status !== 200) missing.unshift(`a 200 with the token (answered ${hello.status})`);
  return missing;
}

/** Per subject and route, what its first start showed missing; empty when all was seen. */
const checks = new Map<string, string[]>();
const checkKey = (subject: Subject, route: Route) => `${subject.label}\u0000${route}`;

async function measure(subject: Subject, route: Route): Promise<Sample> {
  const server = await startServer(subject, route);
  try {
    const key = checkKey(subject, route);
    if (!checks.has(key)) checks.set(key, await missingFeatures(subject, server.port));
    const options = {
      url: `http://127.0.0.1:${server.port}/v1/hello/world`,
      connections,
      headers: headersOf(subject),
    };
    await autocannon({ ...options, duration: 1 }); // warm-up: JIT, connection pool
    const cpuBefore = await server.cpu();
    const result = await autocannon({ ...options, duration: seconds });
    const cpuAfter = await server.cpu();
    const served = Math.max(1, result.requests.total);
    return {
      cpuPerRequest: (cpuAfter.total - cpuBefore.total) / served,
      userCpuPerRequest: (cpuAfter.user - cpuBefore.user) / served,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
    };
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const BASELINE: Subject = { label: 'bare Fastify', file: 'bare-fastify.ts' };
const KIT: Subject = {
  label: values.peers ? 'kit, defaults' : 'kit service',
  file: 'kit-service.ts',
  expects: ['trace-context', 'route-metrics', 'security-headers'],
};
const PEER_OTEL_ENV = {
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
};
const PEER_FOUNDATION: Subject = {
  label: 'peer, foundation',
  file: 'peer-stack.ts',
  preload: ['peer-otel.ts'],
  env: { ...PEER_OTEL_ENV, PEER_FEATURES: 'foundation' },
  expects: ['otel-instrumented', 'route-metrics'],
};
const KIT_FOUNDATION: Subject = {
  label: 'kit, foundation',
  file: 'kit-stack.ts',
  env: { KIT_FEATURES: 'foundation' },
  expects: ['trace-context', 'route-metrics'],
};
const PEER_ALL: Subject = {
  label: 'peer, all features',
  file: 'peer-stack.ts',
  preload: ['peer-otel.ts'],
  env: { ...PEER_OTEL_ENV, PEER_FEATURES: 'all' },
  authenticated: true,
  expects: [
    'otel-instrumented',
    'route-metrics',
    'auth-required',
    'security-headers',
    'rate-limit-headers',
  ],
};
const PEER_ALL_CACHED: Subject = {
  ...PEER_ALL,
  label: 'peer, all, jwt cache',
  env: { ...PEER_ALL.env, PEER_JWT_CACHE: '1' },
};
const KIT_ALL: Subject = {
  label: 'kit, all features',
  file: 'kit-stack.ts',
  env: { KIT_FEATURES: 'all' },
  authenticated: true,
  expects: [
    'trace-context',
    'route-metrics',
    'auth-required',
    'security-headers',
    'rate-limit-headers',
  ],
};

// --breakdown attributes the gap: context propagation, the kit's request path layer by layer,
// the rest of a kit service, and the access log.
const subjects: Subject[] = values.peers
  ? [
      BASELINE,
      PEER_FOUNDATION,
      KIT_FOUNDATION,
      KIT,
      PEER_ALL,
      ...(values['peer-jwt-cache'] ? [PEER_ALL_CACHED] : []),
      KIT_ALL,
    ]
  : values.breakdown
    ? [
        BASELINE,
        { label: 'Fastify + OTel context', file: 'fastify-with-context.ts' },
        { label: '+ kit traced server', file: 'kit-layers.ts', env: { KIT_LAYERS: 'traced' } },
        { label: '+ route hook, metrics', file: 'kit-layers.ts', env: { KIT_LAYERS: 'metrics' } },
        {
          label: 'kit, access log off',
          file: 'kit-service.ts',
          env: { BULWARK_ACCESS_LOG: 'off' },
        },
        KIT,
      ]
    : [BASELINE, KIT];

let baseSubject: Subject | undefined;
if (values.against !== undefined) {
  let base: Checkout;
  try {
    base = checkout(values.against);
  } catch (error) {
    fail((error as Error).message);
  }
  // The worktree goes on any exit, Ctrl-C included (a SIGKILL leaves it to `git worktree prune`).
  process.once('exit', () => base.remove());
  baseSubject = { label: `kit @ ${base.commit}`, file: KIT.file, root: base.root };
  subjects.push(baseSubject);
}

if (values.peers) {
  jwt = await makeBenchJwt(jwtAlgorithm);
  const made = jwt;
  process.once('exit', () => made.remove());
}

const startedAt = Date.now();
const samples = new Map<string, Sample[]>();
const sampleKey = checkKey;
try {
  for (let round = 1; round <= rounds; round++) {
    for (const route of routes) {
      // Each round starts one server further on, so none is always measured right after the
      // same neighbour.
      const shift = (round - 1) % subjects.length;
      for (const subject of [...subjects.slice(shift), ...subjects.slice(0, shift)]) {
        process.stderr.write(`round ${round}/${rounds}, route ${route}: ${subject.label}…\n`);
        const key = sampleKey(subject, route);
        samples.set(key, [...(samples.get(key) ?? []), await measure(subject, route)]);
      }
    }
  }
} catch (error) {
  fail(error instanceof BenchFailure ? error.message : String(error));
}

const summary = (list: Sample[]) => ({
  cpu: median(list.map((s) => s.cpuPerRequest)),
  user: median(list.map((s) => s.userCpuPerRequest)),
  rps: Math.round(median(list.map((s) => s.rps))),
  p50: median(list.map((s) => s.p50)),
  p99: median(list.map((s) => s.p99)),
  failures: list.reduce((n, s) => n + s.errors + s.non2xx, 0),
  byRound: list.map((s) => Math.round(s.rps)),
});
type Summary = ReturnType<typeof summary>;

/** The issue 14 targets for the kit's foundation set against bare Fastify, by route. */
const FOUNDATION_TARGET: Record<Route, number> = { empty: 0.6, postgres: 0.85 };
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

for (const route of routes) {
  const of = (subject: Subject) => summary(samples.get(sampleKey(subject, route)) ?? []);
  const baseline = of(BASELINE);
  console.log(
    `\nbench:kit  route ${route}, ${rounds} rounds x ${seconds} s, ${connections} connections, median of rounds (order rotates each round)`,
  );
  console.log(
    `${'server'.padEnd(24)}${'req/s'.padStart(8)}${'ratio'.padStart(8)}${'cpu µs/req'.padStart(12)}${'cpu ratio'.padStart(11)}${'user µs/req'.padStart(13)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'failures'.padStart(10)}  req/s by round`,
  );
  for (const subject of subjects) {
    const row = of(subject);
    const flag = (checks.get(checkKey(subject, route)) ?? []).length > 0 ? '!' : '';
    console.log(
      `${(subject.label + flag).padEnd(24)}${String(row.rps).padStart(8)}${(row.rps / baseline.rps).toFixed(3).padStart(8)}${row.cpu.toFixed(1).padStart(12)}${(baseline.cpu / row.cpu).toFixed(3).padStart(11)}${row.user.toFixed(1).padStart(13)}${String(row.p50).padStart(8)}${String(row.p99).padStart(8)}${String(row.failures).padStart(10)}  ${row.byRound.join(' ')}`,
    );
  }
  if (values.peers) printPeerRatios(route, of);
  else {
    const kit = of(KIT);
    console.log(
      `throughput ratio kit/bare: ${(kit.rps / baseline.rps).toFixed(3)} (issue 14's target for the foundation set on this route: >= ${FOUNDATION_TARGET[route]}; --peers measures that set alone)`,
    );
    // The steadier figure: server CPU per request, bare over kit (1.0 = the kit costs nothing).
    console.log(
      `cpu ratio kit/bare: ${(baseline.cpu / kit.cpu).toFixed(3)}; the kit adds ${(kit.cpu - baseline.cpu).toFixed(1)} µs of server CPU per request, ${(kit.user - baseline.user).toFixed(1)} µs of it user time`,
    );
    if (baseSubject !== undefined) {
      const before = of(baseSubject);
      console.log(
        `against ${baseSubject.label}: user CPU ${before.user.toFixed(1)} → ${kit.user.toFixed(1)} µs/req, server CPU ${before.cpu.toFixed(1)} → ${kit.cpu.toFixed(1)} µs/req, throughput ratio ${(before.rps / baseline.rps).toFixed(3)} → ${(kit.rps / baseline.rps).toFixed(3)}`,
      );
    }
  }
}

function printPeerRatios(route: Route, of: (subject: Subject) => Summary): void {
  const bare = of(BASELINE);
  const peerFoundation = of(PEER_FOUNDATION);
  const kitFoundation = of(KIT_FOUNDATION);
  const kitDefaults = of(KIT);
  const peerAll = of(PEER_ALL);
  const kitAll = of(KIT_ALL);
  const throughput = (a: Summary, b: Summary) => a.rps / b.rps;
  const cpu = (a: Summary, b: Summary) => a.cpu / b.cpu;
  const line = (label: string, a: Summary, b: Summary, target: string) =>
    console.log(
      `${label.padEnd(34)}throughput ${throughput(a, b).toFixed(3).padStart(6)}   cpu/request ${cpu(a, b).toFixed(3).padStart(6)}   ${target}`,
    );
  const foundationTarget = FOUNDATION_TARGET[route];
  console.log('ratios (A/B; cpu/request below 1 means A costs less per request):');
  line(
    'peer foundation / bare',
    peerFoundation,
    bare,
    route === 'empty' ? '(issue: the peer reached 0.25 on this route)' : '',
  );
  line(
    'kit foundation / bare',
    kitFoundation,
    bare,
    `target throughput >= ${foundationTarget}: ${verdict(throughput(kitFoundation, bare) >= foundationTarget)}`,
  );
  line('kit defaults / bare', kitDefaults, bare, '(foundation + security headers + shedding)');
  line(
    'kit foundation / peer foundation',
    kitFoundation,
    peerFoundation,
    route === 'empty' ? '(issue: 1.9 on this route)' : '',
  );
  const allThroughput = throughput(kitAll, peerAll);
  const allCpu = cpu(kitAll, peerAll);
  line(
    'kit all / peer all',
    kitAll,
    peerAll,
    `targets throughput >= 2: ${verdict(allThroughput >= 2)}, cpu/request < 0.5: ${verdict(allCpu < 0.5)}`,
  );
  if (values['peer-jwt-cache'])
    line('kit all / peer all, jwt cache', kitAll, of(PEER_ALL_CACHED), '(both skip repeat checks)');
}

const flagged = [...checks].filter(([, missing]) => missing.length > 0);
if (flagged.length > 0) {
  console.log(
    '\n! these servers did not show all they are meant to, so their figures leave that work out:',
  );
  for (const [key, missing] of flagged) {
    const [label, route] = key.split('\u0000');
    console.log(`  ${label} (route ${route}): missing ${missing.join('; ')}`);
  }
}
console.log(`\ntook ${Math.round((Date.now() - startedAt) / 1000)} s`);
