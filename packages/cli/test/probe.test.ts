import {
  createService,
  createWorker,
  dependencyProbe,
  type Service,
  type Worker,
} from '@bulwark/kit';
import { SERVICE_METRIC_FAMILIES, WORKER_METRIC_FAMILIES } from '@bulwark/kit/contract';
import { freePort } from '@bulwark/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.js';
import type { CheckId, CheckResult, ProbeReport } from '../src/probe/report.js';
import {
  contractRoutes,
  endlessBody,
  failingTarget,
  garbageTcpTarget,
  hang,
  httpTarget,
  json,
  silentTcpTarget,
  type Target,
} from './probe-targets.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bulwark probe ...` in this process, capturing what it writes. Three samples keep it
 * fast; a generous p95 limit keeps a busy CI machine from failing checks this file does not
 * test for latency (the one that does sets its own limit).
 */
async function probe(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (stdout += t)));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (stderr += t)));
  try {
    const code = await main(['probe', '--samples', '3', '--p95-ms', '5000', ...args]);
    // Colour depends on this process's environment; probe-binary.test.ts tests it.
    return { code, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function probeJson(...args: string[]): Promise<Run & { report: ProbeReport }> {
  const run = await probe('--format', 'json', ...args);
  return { ...run, report: JSON.parse(run.stdout) as ProbeReport };
}

function check(report: ProbeReport, id: CheckId, target = 0): CheckResult {
  const found = report.targets[target]?.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check in ${JSON.stringify(report)}`);
  return found;
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** A stack trace has lines like "    at fn (file:1:2)". */
const STACK_LINE = /^\s+at .+[:(]/m;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function target(started: Promise<Target>): Promise<string> {
  const server = await started;
  cleanups.push(() => server.close());
  return server.url;
}

/** A kit process for a test: any free port, no signal handlers, no logs, no drain delay. */
const QUIET = {
  version: '1.2.3',
  env: {},
  handleProcessSignals: false,
  http: { port: 0 },
  logging: { level: 'silent' },
  shutdown: { drainDelayMs: 0 },
} as const;

async function kitService(setup: (service: Service) => void = () => undefined): Promise<string> {
  const service = createService({ name: 'probe-target', ...QUIET });
  setup(service);
  cleanups.push(() => service.shutdown());
  await service.listen();
  return `http://127.0.0.1:${service.port}`;
}

async function kitWorker(): Promise<string> {
  const worker: Worker = createWorker({ name: 'probe-worker', ...QUIET });
  cleanups.push(() => worker.shutdown());
  await worker.start();
  return `http://127.0.0.1:${worker.port}`;
}

describe('bulwark probe against a kit service', () => {
  it('passes every check, exits 0 and reports the stable JSON schema', async () => {
    const url = await kitService();
    const { code, report, stderr } = await probeJson(url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report.version).toBe(1);
    expect(report.ok).toBe(true);
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]?.url).toBe(`${url}/`);
    expect(report.targets[0]?.reachable).toBe(true);
    expect(report.targets[0]?.checks.map((c) => [c.id, c.ok])).toEqual([
      ['reachable', true],
      ['live', true],
      ['startup', true],
      ['ready', true],
      ['health', true],
      ['metrics', true],
      ['trace', true],
      ['headers', true],
      ['errors', true],
    ]);
    const live = check(report, 'live').measurements;
    expect(live).toMatchObject({ samples: 3, p95LimitMs: 5000 });
    expect(live.p50Ms).toBeLessThanOrEqual(live.p95Ms as number);
    expect(check(report, 'metrics').measurements.missing).toEqual([]);
    const trace = check(report, 'trace').measurements;
    expect(trace.receivedTraceId).toBe(trace.sentTraceId);
  });

  it('prints a table per target with a verdict', async () => {
    const url = await kitService();
    const { code, stdout } = await probe(url, url);
    expect(code).toBe(0);
    expect(stdout.match(/^ {2}check +result +detail +p50 \/ p95$/gm)).toHaveLength(2);
    expect(stdout).toMatch(/^ {2}live +pass +200 on 3 of 3 +[\d.]+ \/ [\d.]+ ms$/m);
    expect(stdout).toMatch(/^ {2}health +pass +200 on 3 of 3, status pass, 0 components/m);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('ok: all 18 checks passed');
  });

  it('names the failing components when /ready answers 503', async () => {
    const url = await kitService((service) => {
      service.addReadinessProbe(
        dependencyProbe({ name: 'ledger-db' }, async () => {
          throw new Error('connection refused');
        }),
      );
    });
    const { code, report } = await probeJson(url);
    expect(code).toBe(1);
    expect(check(report, 'ready')).toMatchObject({ ok: false });
    expect(check(report, 'ready').detail).toContain('503 not ready, failing: ledger-db');
    expect(check(report, 'health').detail).toContain('failing: ledger-db');
    expect(check(report, 'live').ok).toBe(true);
  });

  it('fails the latency check when p95 is over the limit', async () => {
    const url = await kitService();
    const { code, report } = await probeJson('--p95-ms', '0.001', url);
    expect(code).toBe(1);
    expect(check(report, 'live').detail).toMatch(/^p95 [\d.]+ ms is over the 0.001 ms limit$/);
  });

  it('checks a worker with --worker: the worker families, and no trace check', async () => {
    const worker = await kitWorker();
    const asWorker = await probeJson('--worker', worker);
    expect(asWorker.code).toBe(0);
    expect(asWorker.report.targets[0]?.checks.map((c) => c.id)).not.toContain('trace');
    expect(check(asWorker.report, 'metrics').detail).toContain(
      `${WORKER_METRIC_FAMILIES.length} contract families`,
    );

    // A service has no heartbeat: held to the worker set, it fails and names the family.
    const service = await kitService();
    const serviceAsWorker = await probeJson('--worker', service);
    expect(serviceAsWorker.code).toBe(1);
    expect(check(serviceAsWorker.report, 'metrics')).toMatchObject({
      ok: false,
      measurements: { missing: ['worker_last_heartbeat_timestamp_seconds'] },
    });
  });
});

describe('bulwark probe against broken targets', () => {
  it('exits 2 with a one-line cause for a closed port', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, report, stderr } = await probeJson(url);
    expect(code).toBe(2);
    expect(report.ok).toBe(false);
    expect(report.targets[0]).toEqual({
      url: `${url}/`,
      reachable: false,
      checks: [{ id: 'reachable', ok: false, detail: 'connection refused', measurements: {} }],
    });
    expect(stderr).toBe(`bulwark: ${url}/ unreachable: connection refused\n`);
  });

  it('exits 2 for a TCP server that does not speak HTTP', async () => {
    const url = await target(garbageTcpTarget());
    const { code, report, stderr } = await probeJson(url);
    expect(code).toBe(2);
    expect(report.targets[0]?.reachable).toBe(false);
    expect(check(report, 'reachable').detail).toMatch(/^not HTTP/);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('exits 2 with a one-line cause for a port that accepts connections but never answers', async () => {
    const url = await target(silentTcpTarget());
    const started = Date.now();
    const { code, stdout, stderr } = await probe('--timeout-ms', '300', url);
    expect(code).toBe(2);
    expect(stderr).toBe(`bulwark: ${url}/ unreachable: no HTTP answer within 300 ms\n`);
    expect(stdout).toContain('reachable  FAIL');
    // One timeout, not one per check: a generous sanity bound, not a benchmark.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails every check, exit 1, for a service that answers 500 everywhere', async () => {
    const url = await target(failingTarget());
    const { code, report } = await probeJson(url);
    expect(code).toBe(1);
    expect(report.targets[0]?.reachable).toBe(true);
    expect(check(report, 'reachable')).toMatchObject({ ok: true, detail: 'HTTP 500 from /live' });
    for (const id of ['live', 'startup', 'ready', 'health'] as const) {
      expect(check(report, id)).toMatchObject({
        ok: false,
        detail: `${id === 'live' ? '/live' : `/${id}`}: 500 Internal Server Error (sample 1 of 3)`,
      });
    }
    expect(check(report, 'metrics').detail).toBe('/metrics: 500 Internal Server Error');
    expect(check(report, 'trace')).toMatchObject({
      ok: false,
      detail: 'no traceresponse header in the answer',
    });
  });

  it('gives the line number of the first bad line of garbage /metrics', async () => {
    const url = await target(
      httpTarget(
        contractRoutes({
          '/metrics': (_req, res) => {
            res
              .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
              .end('# HELP up Up.\n# TYPE up gauge\nup 1\n<html><body>proxy error</body></html>\n');
          },
        }),
      ),
    );
    const { code, report } = await probeJson(url);
    expect(code).toBe(1);
    const metrics = check(report, 'metrics');
    expect(metrics.ok).toBe(false);
    expect(metrics.detail).toMatch(
      /^\/metrics: not Prometheus text format, line 4: expected a metric name/,
    );
    expect(metrics.measurements.badLine).toBe(4);
    expect(check(report, 'live').ok).toBe(true);
  });

  it('fails /metrics that is not UTF-8', async () => {
    const latin1 = Buffer.from('# HELP up Caf\xe9.\nup 1\n', 'latin1');
    const url = await target(
      httpTarget(
        contractRoutes({
          '/metrics': (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(latin1);
          },
        }),
      ),
    );
    const { report } = await probeJson(url);
    expect(check(report, 'metrics').detail).toBe('/metrics: body is not valid UTF-8');
  });

  it('names the missing contract families', async () => {
    const url = await target(httpTarget(contractRoutes()));
    const { code, report } = await probeJson(url);
    expect(code).toBe(1);
    const metrics = check(report, 'metrics');
    expect(metrics.measurements.missing).toEqual([...SERVICE_METRIC_FAMILIES]);
    expect(metrics.detail).toBe(
      `/metrics: missing ${SERVICE_METRIC_FAMILIES.length} of ${SERVICE_METRIC_FAMILIES.length} contract families: ${SERVICE_METRIC_FAMILIES.join(', ')}`,
    );
  });

  it('fails /metrics served without a text/plain Content-Type', async () => {
    const url = await target(httpTarget(contractRoutes({ '/metrics': json(200, { up: 1 }) })));
    const { report } = await probeJson(url);
    expect(check(report, 'metrics').detail).toBe(
      '/metrics: Content-Type "application/json" is not text/plain (the text format)',
    );
  });

  it('fails the trace check when the service starts a new trace', async () => {
    const otherTrace = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const url = await target(
      httpTarget(
        contractRoutes({ '/live': json(200, { status: 'alive' }, { traceresponse: otherTrace }) }),
      ),
    );
    const { report } = await probeJson(url);
    const trace = check(report, 'trace');
    expect(trace.ok).toBe(false);
    expect(trace.detail).toMatch(
      new RegExp(`^traceparent ignored: sent trace [0-9a-f]{32}, got ${'a'.repeat(32)}$`),
    );
  });

  it('times out a service that never answers, exit 1', async () => {
    const url = await target(httpTarget(contractRoutes({ '/ready': hang })));
    const started = Date.now();
    const { code, report } = await probeJson('--timeout-ms', '300', url);
    expect(code).toBe(1);
    expect(check(report, 'ready').detail).toBe(
      '/ready: no HTTP answer within 300 ms (sample 1 of 3)',
    );
    expect(check(report, 'live').ok).toBe(true);
    // One timeout, not one per sample: a generous sanity bound, not a benchmark.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('abandons a body that never ends', async () => {
    const url = await target(
      httpTarget(contractRoutes({ '/metrics': endlessBody, '/health': endlessBody })),
    );
    const { code, report } = await probeJson('--timeout-ms', '10000', url);
    expect(code).toBe(1);
    expect(check(report, 'health').detail).toBe('/health: body larger than 1 MiB (sample 1 of 3)');
    expect(check(report, 'metrics').detail).toBe('/metrics: body larger than 16 MiB');
  });

  it('reports each target on its own, and exits 2 if any is unreachable', async () => {
    const good = await kitService();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { code, report } = await probeJson(good, closed);
    expect(code).toBe(2);
    expect(report.targets.map((t) => [t.reachable, t.checks.every((c) => c.ok)])).toEqual([
      [true, true],
      [false, false],
    ]);
  });
});

describe('bulwark probe usage', () => {
  it('prints usage with the exit codes for --help', async () => {
    const { code, stdout } = await probe('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/--samples <n> +requests per probe endpoint \(default: 20\)/);
    expect(stdout).toMatch(
      /--p95-ms <ms> +p95 latency limit per probe endpoint \(default:\s+200\)/,
    );
    expect(stdout).toMatch(/--timeout-ms <ms> +[^(]+\(default: 2000\)/);
    expect(stdout).toContain('Exit codes: 0 every check passed, 1 a check failed');
  });

  it.each([
    ['a URL that does not parse', ['http://exa mple'], /^bulwark: invalid URL "http:\/\/exa mple"/],
    [
      'a URL without a scheme',
      ['localhost:8080'],
      /needs a scheme, e.g. http:\/\/localhost:8080$/m,
    ],
    ['a scheme other than http', ['ftp://127.0.0.1:21'], /only http and https/],
    ['credentials in the URL', ['http://user:hunter2@127.0.0.1:1'], /must not carry credentials/],
    ['a query', ['http://127.0.0.1:1/?x=1'], /must not have a query/],
    ['a zero sample count', ['--samples', '0', 'http://127.0.0.1:1'], /--samples/],
    ['a non-numeric p95 limit', ['--p95-ms', 'fast', 'http://127.0.0.1:1'], /--p95-ms/],
    ['a negative timeout', ['--timeout-ms', '-5', 'http://127.0.0.1:1'], /--timeout-ms/],
    ['an unknown format', ['--format', 'xml', 'http://127.0.0.1:1'], /--format/],
    ['no URL at all', [], /missing required argument/],
  ])('exits 2 for %s, with the cause and no stack trace', async (_name, args, cause) => {
    const { code, stdout, stderr } = await probe(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(cause);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(stderr).not.toContain('hunter2');
  });
});
