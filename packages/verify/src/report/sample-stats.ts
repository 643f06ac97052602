import type { SampleSeries } from '../checks/check.js';
import { nearestRank } from '../checks/live/latency.js';

export interface SeriesStats {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

/** Nearest-rank percentile `p` (0-100), the definition the checks measure with. */
export function percentile(sorted: readonly number[], p: number): number {
  return nearestRank(sorted, p / 100);
}

/** Summary figures of one series; undefined when it holds no finite value. */
export function seriesStats(values: readonly number[]): SeriesStats | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  return {
    count: sorted.length,
    min: sorted[0] as number,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1] as number,
  };
}

/**
 * Latency series are the ones in milliseconds with at least one finite value; the charts and the
 * p95 trends read only those (a non-finite sample inside one becomes a gap in its chart).
 */
export function latencySeries(samples: readonly SampleSeries[]): SampleSeries[] {
  return samples.filter(
    (series) => series.unit === 'ms' && series.values.some((value) => Number.isFinite(value)),
  );
}
