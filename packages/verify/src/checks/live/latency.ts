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
  const rank = (p: number) =>
    roundMs(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number);
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
