import { ENDPOINTS } from '@bulwark/kit/contract';
import type { HttpProbeClient } from '../live/http.js';
import { parsePrometheusText } from '../live/prometheus-text.js';

/**
 * The process figures a soak watches, read from the service's /metrics: prom-client's default
 * metrics, which every kit service exposes. Resident memory is `process_resident_memory_bytes`;
 * open handles are the sum of `nodejs_active_handles` over its `type` label (the kit drops
 * prom-client's `nodejs_active_handles_total`, a gauge misnamed as a counter, but a service on
 * plain prom-client still has it, so it is read when the other is absent); a restart shows as a
 * new `process_start_time_seconds`.
 */
export interface ProcessSample {
  /** Ms since the soak started. */
  readonly atMs: number;
  readonly rssBytes?: number;
  readonly handles?: number;
  /** Unix seconds the process started: a different value is a different process. */
  readonly startTime?: number;
  /**
   * Restarts the soak had completed when it took the sample. prom-client rounds the start time
   * to the second, so a restart within one second would otherwise look like the same process.
   */
  readonly restartsDone: number;
}

const METRICS_BODY_LIMIT = 8 * 1_048_576;

export async function sampleProcess(
  client: HttpProbeClient,
  url: URL,
  atMs: number,
  restartsDone: number,
  signal: AbortSignal,
): Promise<ProcessSample | undefined> {
  const exchange = await client.get(url, { maxBodyBytes: METRICS_BODY_LIMIT, signal });
  if (exchange.kind !== 'answer' || exchange.status !== 200) return undefined;
  const parsed = parsePrometheusText(exchange.body);
  if (!parsed.ok) return undefined;
  const sum = (name: string) => {
    const family = parsed.families.get(name);
    if (!family || family.samples.length === 0) return undefined;
    return family.samples.reduce((total, s) => total + s.value, 0);
  };
  const rssBytes = sum('process_resident_memory_bytes');
  const handles = sum('nodejs_active_handles') ?? sum('nodejs_active_handles_total');
  const startTime = sum('process_start_time_seconds');
  return {
    atMs,
    restartsDone,
    ...(rssBytes === undefined ? {} : { rssBytes }),
    ...(handles === undefined ? {} : { handles }),
    ...(startTime === undefined ? {} : { startTime }),
  };
}

export const metricsPath = ENDPOINTS.metrics;

export interface Growth {
  /** The largest growth over any one process lifetime, after its warm-up. */
  readonly largest: number;
  /** How many process lifetimes had two samples or more after their warm-up. */
  readonly lifetimesJudged: number;
}

/**
 * How much a figure grew within each process lifetime (a restart starts a new one, and its
 * memory starts over), from the first sample after the lifetime's warm-up to its last; the
 * largest of those. Undefined when no lifetime had two samples after its warm-up: nothing to
 * judge, which the soak reports as a failure, never a pass.
 */
export function growthOf(
  samples: readonly ProcessSample[],
  figure: 'rssBytes' | 'handles',
  warmupMs: number,
): Growth | undefined {
  const lifetimes = new Map<string, ProcessSample[]>();
  for (const sample of samples) {
    const key = `${sample.startTime ?? '?'}/${sample.restartsDone}`;
    const list = lifetimes.get(key) ?? [];
    list.push(sample);
    lifetimes.set(key, list);
  }
  let largest: number | undefined;
  let lifetimesJudged = 0;
  for (const list of lifetimes.values()) {
    const first = list[0] as ProcessSample;
    const counted = list.filter((s) => s.atMs - first.atMs >= warmupMs && s[figure] !== undefined);
    if (counted.length < 2) continue;
    lifetimesJudged++;
    const growth = (counted.at(-1)?.[figure] as number) - (counted[0]?.[figure] as number);
    largest = largest === undefined ? growth : Math.max(largest, growth);
  }
  return largest === undefined ? undefined : { largest, lifetimesJudged };
}
