import { nearestRank, roundMs } from '../live/latency.js';

/**
 * The figures of a load run: latency percentiles, a latency histogram, a bounded sample for the
 * chart, and the k6-style thresholds judged against them. Shared by drill.load and drill.soak.
 */

/** Most latencies kept for the percentiles; past this, a uniform sample of this many. */
export const PERCENTILE_RESERVOIR = 1_000_000;
/** Points in the latency chart: enough to show the shape, small enough for the bundle. */
export const CHART_POINTS = 1_000;

/**
 * A uniform random sample of a stream of unknown length (Vitter's Algorithm R). Below its
 * capacity it keeps every value, so percentiles are exact for all but very long runs; past it,
 * every value seen had the same chance of being kept, so they stay representative. Written here
 * because it is a dozen lines; no well-kept npm package does only this.
 */
export class Reservoir {
  readonly #values: Float64Array;
  /** The arrival index of each kept value, so the sample can be put back in time order. */
  readonly #order: Float64Array;
  #seen = 0;

  constructor(readonly capacity: number) {
    this.#values = new Float64Array(capacity);
    this.#order = new Float64Array(capacity);
  }

  get seen(): number {
    return this.#seen;
  }

  add(value: number): void {
    const index = this.#seen++;
    if (index < this.capacity) {
      this.#values[index] = value;
      this.#order[index] = index;
      return;
    }
    const slot = Math.floor(Math.random() * (index + 1));
    if (slot < this.capacity) {
      this.#values[slot] = value;
      this.#order[slot] = index;
    }
  }

  /** The kept values in the order they arrived. */
  inOrder(): number[] {
    const kept = Math.min(this.#seen, this.capacity);
    const slots = Array.from({ length: kept }, (_, i) => i);
    slots.sort((a, b) => (this.#order[a] as number) - (this.#order[b] as number));
    return slots.map((i) => this.#values[i] as number);
  }

  /** The kept values, ascending. */
  sorted(): Float64Array {
    return this.#values.slice(0, Math.min(this.#seen, this.capacity)).sort();
  }
}

export interface LatencyPercentiles {
  /** How many latencies the percentiles were taken over (the reservoir's, at most its capacity). */
  readonly samples: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentiles (always an observed latency, as probe.latency reports them). */
export function percentiles(sorted: Float64Array): LatencyPercentiles | undefined {
  if (sorted.length === 0) return undefined;
  const rank = (p: number) => roundMs(nearestRank(sorted, p));
  return {
    samples: sorted.length,
    p50Ms: rank(0.5),
    p90Ms: rank(0.9),
    p95Ms: rank(0.95),
    p99Ms: rank(0.99),
    maxMs: roundMs(sorted[sorted.length - 1] as number),
  };
}

/** Upper bounds (ms) of the histogram's buckets, roughly 1-2-5 per decade, then +Inf. */
export const HISTOGRAM_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000,
];

/** Counts per bucket of HISTOGRAM_BOUNDS_MS (each `le` its bound), the last one for the rest. */
export function histogram(sorted: Float64Array): number[] {
  const counts = new Array<number>(HISTOGRAM_BOUNDS_MS.length + 1).fill(0);
  let bucket = 0;
  for (const value of sorted) {
    while (bucket < HISTOGRAM_BOUNDS_MS.length && value > (HISTOGRAM_BOUNDS_MS[bucket] as number))
      bucket++;
    counts[bucket] = (counts[bucket] as number) + 1;
  }
  return counts;
}

/** What the load generator saw, in totals. */
export interface RequestCounts {
  /** Answers with a 2xx or 3xx status. */
  readonly ok: number;
  /** Answers with any other status (1xx, 4xx, 5xx). */
  readonly badStatus: number;
  /** Requests with no answer: refused, reset, timed out. */
  readonly errors: number;
  readonly timeouts: number;
  /**
   * Of `errors`, connections refused. autocannon reconnects at once, so while nothing listens
   * (a restart) these count connection attempts rather than requests.
   */
  readonly refused: number;
  /** Wall time of the run. */
  readonly durationMs: number;
}

export function attempted(counts: RequestCounts): number {
  return counts.ok + counts.badStatus + counts.errors;
}

/** (non-2xx/3xx answers + requests with no answer) / every request; undefined with none. */
export function errorRate(counts: RequestCounts): number | undefined {
  const total = attempted(counts);
  return total === 0 ? undefined : (counts.badStatus + counts.errors) / total;
}

/** Good answers per second of the run. */
export function goodRps(counts: RequestCounts): number {
  return counts.durationMs <= 0 ? 0 : round2((counts.ok * 1000) / counts.durationMs);
}

export interface LoadThresholds {
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  readonly maxErrorRate?: number;
  readonly minRps?: number;
}

export interface ThresholdResult {
  readonly name: keyof LoadThresholds;
  readonly limit: number;
  /** Undefined when there was nothing to measure: a threshold over no samples fails. */
  readonly value?: number;
  readonly ok: boolean;
  /** One phrase: `p95 12.3 ms <= 200 ms`, `p95: no successful answers to measure`. */
  readonly text: string;
}

/**
 * Each threshold given, judged the way k6 judges its thresholds, except that a threshold with no
 * samples to judge fails rather than passing (k6 passes it: grafana/k6#4283). Latency
 * thresholds are over the good (2xx/3xx) answers, like k6's `http_req_duration{expected_response:true}`.
 */
export function judgeThresholds(
  thresholds: LoadThresholds,
  latency: LatencyPercentiles | undefined,
  counts: RequestCounts,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const [name, label] of [
    ['p50Ms', 'p50'],
    ['p95Ms', 'p95'],
    ['p99Ms', 'p99'],
  ] as const) {
    const limit = thresholds[name];
    if (limit === undefined) continue;
    const value = latency?.[name];
    results.push(
      value === undefined
        ? { name, limit, ok: false, text: `${label}: no successful answers to measure` }
        : {
            name,
            limit,
            value,
            ok: value <= limit,
            text: `${label} ${value} ms ${value <= limit ? '<=' : '>'} ${limit} ms`,
          },
    );
  }
  if (thresholds.maxErrorRate !== undefined) {
    const limit = thresholds.maxErrorRate;
    const value = errorRate(counts);
    results.push(
      value === undefined
        ? { name: 'maxErrorRate', limit, ok: false, text: 'error rate: no requests completed' }
        : {
            name: 'maxErrorRate',
            limit,
            value: round6(value),
            ok: value <= limit,
            text: `error rate ${percent(value)} ${value <= limit ? '<=' : '>'} ${percent(limit)}`,
          },
    );
  }
  if (thresholds.minRps !== undefined) {
    const limit = thresholds.minRps;
    const value = goodRps(counts);
    results.push(
      counts.ok === 0
        ? { name: 'minRps', limit, value: 0, ok: false, text: 'throughput: no successful answers' }
        : {
            name: 'minRps',
            limit,
            value,
            ok: value >= limit,
            text: `${value} good req/s ${value >= limit ? '>=' : '<'} ${limit}`,
          },
    );
  }
  return results;
}

export function percent(rate: number): string {
  return `${Math.round(rate * 10_000) / 100}%`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
