import { performance } from 'node:perf_hooks';
import type autocannon from 'autocannon';
import {
  CHART_POINTS,
  PERCENTILE_RESERVOIR,
  type RequestCounts,
  Reservoir,
} from './load-figures.js';

/**
 * One bounded run of autocannon (used as a library) against one URL: drill.load's whole run,
 * drill.soak's steady traffic. Every answer's latency goes into two reservoirs (one for the
 * percentiles, one small one for the chart); answers per second come from autocannon's ticks.
 * The run ends at its duration, at `amount` answers, on abort, or at a hard deadline past the
 * duration, whichever comes first.
 */
export interface LoadRunOptions {
  readonly url: URL;
  readonly method: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly connections: number;
  /** How long the run lasts; with `amount`, the most it may last. */
  readonly durationMs: number;
  /** Stop after this many answers (errors do not count). */
  readonly amount?: number;
  /** Requests per second over all connections; as fast as the service answers when omitted. */
  readonly rate?: number;
  /** Per-request deadline: a request without an answer by then counts as an error. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface LoadRunResult {
  readonly counts: RequestCounts;
  /** Latencies (ms) of good (2xx/3xx) answers: every one up to PERCENTILE_RESERVOIR. */
  readonly latencies: Reservoir;
  /** A uniform sample of the same latencies, CHART_POINTS at most, for the report's chart. */
  readonly chart: Reservoir;
  /** Answers (any status) in each second of the run. */
  readonly perSecond: readonly number[];
  /** Answers by status code. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Requests without an answer by cause (ECONNREFUSED, ECONNRESET, timeout, ...). */
  readonly errorCauses: Readonly<Record<string, number>>;
  /** True when the signal ended it early. */
  readonly aborted: boolean;
  /** True when the hard deadline had to stop it. */
  readonly overran: boolean;
}

/** How long past its duration a run may take (slow last answers) before it is stopped. */
const OVERRUN_GRACE_MS = 2_000;
/** How often autocannon checks whether to stop; small, so a run ends close to its duration. */
const SAMPLE_INTERVAL_MS = 100;

/** Connections never exceed the rate: autocannon would leave the surplus ones unthrottled. */
export function connectionsFor(connections: number, rate?: number, amount?: number): number {
  let n = connections;
  if (rate !== undefined) n = Math.min(n, Math.max(1, Math.floor(rate)));
  if (amount !== undefined) n = Math.min(n, amount);
  return Math.max(1, n);
}

export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  const latencies = new Reservoir(PERCENTILE_RESERVOIR);
  const chart = new Reservoir(CHART_POINTS);
  const statuses: Record<string, number> = {};
  const errorCauses: Record<string, number> = {};
  const perSecond: number[] = [];
  let ok = 0;
  let badStatus = 0;
  let errors = 0;
  let timeouts = 0;
  let refused = 0;

  // Loaded here, by the one drill that generates load: imported with the package it cost every
  // importer of @bulwark/verify (the CLI's other commands) about a tenth of a second.
  const { default: startAutocannon } = await import('autocannon');
  let settle: (error: Error | null) => void = () => undefined;
  const finished = new Promise<void>((done, fail) => {
    settle = (error) => (error ? fail(error) : done());
  });
  const instance = startAutocannon(
    {
      url: options.url.href,
      method: options.method as autocannon.Request['method'],
      ...(options.body === undefined ? {} : { body: options.body }),
      headers: { ...options.headers },
      connections: connectionsFor(options.connections, options.rate, options.amount),
      ...(options.amount === undefined
        ? { duration: options.durationMs / 1000 }
        : { amount: options.amount }),
      ...(options.rate === undefined ? {} : { overallRate: options.rate }),
      timeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
      sampleInt: SAMPLE_INTERVAL_MS,
    },
    (error: Error | null) => settle(error ?? null),
  );
  const started = performance.now();
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    // autocannon's own per-second ticks read a counter its sampling resets: count here instead.
    const second = Math.floor((performance.now() - started) / 1000);
    while (perSecond.length <= second) perSecond.push(0);
    perSecond[second] = (perSecond[second] as number) + 1;
    const key = String(status);
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (status >= 200 && status < 400) {
      ok++;
      latencies.add(ms);
      chart.add(ms);
    } else {
      badStatus++;
    }
  });
  instance.on('reqError', (error: NodeJS.ErrnoException) => {
    errors++;
    const cause = error?.code ?? (/timed out/.test(String(error?.message)) ? 'timeout' : 'error');
    if (cause === 'timeout') timeouts++;
    if (cause === 'ECONNREFUSED') refused++;
    errorCauses[cause] = (errorCauses[cause] ?? 0) + 1;
  });

  let aborted = false;
  let overran = false;
  const stop = () => {
    aborted = true;
    instance.stop();
  };
  options.signal.addEventListener('abort', stop, { once: true });
  if (options.signal.aborted) stop();
  const hardStop = setTimeout(
    () => {
      overran = options.amount === undefined;
      instance.stop();
    },
    options.durationMs + (options.amount === undefined ? OVERRUN_GRACE_MS : 0),
  );
  try {
    await finished;
  } finally {
    clearTimeout(hardStop);
    options.signal.removeEventListener('abort', stop);
  }
  const durationMs = performance.now() - started;
  return {
    counts: { ok, badStatus, errors, timeouts, refused, durationMs },
    latencies,
    chart,
    perSecond,
    statuses,
    errorCauses,
    aborted,
    overran,
  };
}
