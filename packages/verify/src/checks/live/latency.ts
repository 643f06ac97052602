/** Latency figures over a run of samples, in milliseconds rounded to 0.01. */
export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/**
 * Nearest-rank percentiles: always a latency that was actually observed, never an
 * interpolation between two, so a p95 over three samples is simply the slowest of them.
 */
export function summarize(durationsMs: readonly number[]): LatencySummary | undefined {
  if (durationsMs.length === 0) return undefined;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const rank = (p: number) => roundMs(nearestRank(sorted, p));
  return {
    samples: sorted.length,
    p50Ms: rank(0.5),
    p95Ms: rank(0.95),
    maxMs: roundMs(sorted[sorted.length - 1] as number),
  };
}

/** Milliseconds rounded to 0.01, as every latency figure is reported. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * The nearest-rank percentile of ascending `sorted` at `fraction` (0.95 for p95): the smallest
 * sample with at least that share of samples at or below it, a value a reader can find by hand
 * in the listed samples. Every figure Bulwark reports (probes, drills, reports) uses this one.
 */
export function nearestRank(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] as number;
}
