import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { undici } from '../../undici-on-use.js';
import { CHART_POINTS, PERCENTILE_RESERVOIR, Reservoir } from './load-figures.js';
import type { LoadRunResult } from './load-run.js';

/**
 * The soak's traffic: requests at a constant arrival rate (an open model, like k6's
 * constant-arrival-rate executor), over a small undici pool. Written here rather than taken
 * from autocannon, which drill.load uses: autocannon reconnects in a tight loop while nothing
 * listens (about 6000 refused connects a second and a whole core during each injected restart,
 * starving the restarting service on a small machine) and sends each connection's per-second
 * quota in one burst. Here a request that finds the service down is one failed request, and
 * requests are spread evenly over each second. When `maxInFlight` requests are already waiting,
 * a due request is not sent and is counted as dropped (k6's dropped_iterations): the service
 * could not keep up with the rate.
 */
export interface PacedRunOptions {
  readonly url: URL;
  readonly method: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Requests per second. */
  readonly rate: number;
  readonly durationMs: number;
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface PacedRunResult extends LoadRunResult {
  /** Due requests not sent because maxInFlight were still waiting for their answers. */
  readonly dropped: number;
  /** Requests sent. */
  readonly sent: number;
}

/** How often the pacer wakes to send what has come due. */
const TICK_MS = 5;
/** A body is read to its end (so latency covers it) but never kept. */
const BODY_LIMIT = 16 * 1_048_576;

export async function runPaced(options: PacedRunOptions): Promise<PacedRunResult> {
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
  let dropped = 0;
  let sent = 0;
  let inFlight = 0;

  const pool = new (undici().Pool)(options.url.origin, {
    connections: options.maxInFlight,
    pipelining: 1,
    connect: { timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const path = `${options.url.pathname}${options.url.search}`;
  const started = performance.now();
  const pending = new Set<Promise<void>>();
  // One listener ends every request in flight (one per request would pile up on the signal).
  const abandon = () => void pool.destroy().catch(() => undefined);
  options.signal.addEventListener('abort', abandon, { once: true });

  const send = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      const response = await pool.request({
        path,
        method: options.method as Dispatcher.HttpMethod,
        headers: { ...options.headers },
        ...(options.body === undefined ? {} : { body: options.body }),
      });
      await response.body.dump({ limit: BODY_LIMIT });
      const ms = performance.now() - t0;
      const second = Math.floor((performance.now() - started) / 1000);
      while (perSecond.length <= second) perSecond.push(0);
      perSecond[second] = (perSecond[second] as number) + 1;
      const key = String(response.statusCode);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (response.statusCode >= 200 && response.statusCode < 400) {
        ok++;
        latencies.add(ms);
        chart.add(ms);
      } else {
        badStatus++;
      }
    } catch (error) {
      if (options.signal.aborted) return;
      errors++;
      const cause = causeOf(error);
      if (cause === 'timeout') timeouts++;
      if (cause === 'ECONNREFUSED') refused++;
      errorCauses[cause] = (errorCauses[cause] ?? 0) + 1;
    }
  };

  try {
    while (!options.signal.aborted) {
      const elapsed = performance.now() - started;
      if (elapsed >= options.durationMs) break;
      const due = Math.floor((elapsed / 1000) * options.rate) + 1;
      while (sent + dropped < due) {
        if (inFlight >= options.maxInFlight) {
          dropped++;
          continue;
        }
        sent++;
        inFlight++;
        const request = send().finally(() => {
          inFlight--;
          pending.delete(request);
        });
        pending.add(request);
      }
      await sleep(TICK_MS, undefined, { signal: options.signal }).catch(() => undefined);
    }
    // The last requests get their answers (each bounded by its timeout), unless aborted.
    await Promise.all(pending);
  } finally {
    options.signal.removeEventListener('abort', abandon);
    if (!pool.destroyed) await pool.destroy().catch(() => undefined);
  }
  return {
    counts: {
      ok,
      badStatus,
      errors,
      timeouts,
      refused,
      durationMs: performance.now() - started,
    },
    latencies,
    chart,
    perSecond,
    statuses,
    errorCauses,
    aborted: options.signal.aborted,
    overran: false,
    dropped,
    sent,
  };
}

function causeOf(error: unknown): string {
  const err = error as { code?: string; cause?: { code?: string }; name?: string };
  const code = err.cause?.code ?? err.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  return code ?? err.name ?? 'error';
}
