import type {
  CheckRecord,
  CriterionRecord,
  CriterionVerdict,
  EvidenceBundle,
} from '../evidence/model.js';
import { latencySeries, seriesStats } from './sample-stats.js';
import { compareVerdicts } from './verdicts.js';

export type TrendChange = 'better' | 'worse' | 'changed' | 'same' | 'new' | 'removed';

export interface VerdictTrend {
  readonly id: string;
  readonly text: string;
  readonly before?: CriterionVerdict;
  readonly after?: CriterionVerdict;
  readonly change: TrendChange;
}

/** One latency series (or a check's own p95 measurement) in both bundles. */
export interface LatencyTrend {
  readonly criterionId: string;
  readonly check: string;
  readonly service?: string;
  readonly series: string;
  readonly beforeP95?: number;
  readonly afterP95?: number;
}

export interface BundleTrends {
  readonly previous: { readonly id: string; readonly startedAt: string };
  /** Every criterion of either bundle: the current plan order, then those no longer in it. */
  readonly verdicts: readonly VerdictTrend[];
  readonly latency: readonly LatencyTrend[];
}

export function verdictTrend(
  current: CriterionRecord | undefined,
  previous: CriterionRecord | undefined,
): VerdictTrend {
  const record = (current ?? previous) as CriterionRecord;
  const base = { id: record.id, text: record.text };
  if (!previous) return { ...base, after: record.verdict, change: 'new' };
  if (!current) return { ...base, before: previous.verdict, change: 'removed' };
  const direction = compareVerdicts(previous.verdict, current.verdict);
  const change: TrendChange =
    previous.verdict === current.verdict ? 'same' : direction === 'same' ? 'changed' : direction;
  return { ...base, before: previous.verdict, after: current.verdict, change };
}

/** How the bundle moved since `previous`: verdict by verdict, and p95 by latency series. */
export function compareBundles(current: EvidenceBundle, previous: EvidenceBundle): BundleTrends {
  const before = new Map(previous.criteria.map((c) => [c.id, c]));
  const now = new Map(current.criteria.map((c) => [c.id, c]));
  const verdicts = [
    ...current.criteria.map((c) => verdictTrend(c, before.get(c.id))),
    ...previous.criteria.filter((c) => !now.has(c.id)).map((c) => verdictTrend(undefined, c)),
  ];
  const p95Before = p95ByKey(previous);
  const latency: LatencyTrend[] = [];
  for (const [key, row] of p95ByKey(current)) {
    const old = p95Before.get(key);
    latency.push({
      ...row,
      ...(old?.afterP95 !== undefined ? { beforeP95: old.afterP95 } : {}),
    });
  }
  return { previous: { id: previous.id, startedAt: previous.startedAt }, verdicts, latency };
}

/**
 * The p95 of every latency series in a bundle, keyed so the same series of the same check on the
 * same service matches across bundles. A criterion may bind one check twice (different params):
 * the occurrence number keeps those apart.
 */
function p95ByKey(bundle: EvidenceBundle): Map<string, LatencyTrend> {
  const rows = new Map<string, LatencyTrend>();
  for (const criterion of bundle.criteria) {
    const seen = new Map<string, number>();
    for (const check of criterion.checks) {
      const base = `${criterion.id}\u0000${check.check}\u0000${check.service ?? ''}`;
      const occurrence = seen.get(base) ?? 0;
      seen.set(base, occurrence + 1);
      for (const [series, p95] of checkP95s(check)) {
        rows.set(`${base}\u0000${occurrence}\u0000${series}`, {
          criterionId: criterion.id,
          check: check.check,
          ...(check.service !== undefined ? { service: check.service } : {}),
          series,
          afterP95: p95,
        });
      }
    }
  }
  return rows;
}

/** p95 per latency series; a check that kept no samples but measured `p95Ms` gives that. */
function checkP95s(check: CheckRecord): Array<[string, number]> {
  const fromSamples = latencySeries(check.samples).flatMap((series): Array<[string, number]> => {
    const stats = seriesStats(series.values);
    return stats ? [[series.name, stats.p95]] : [];
  });
  if (fromSamples.length > 0) return fromSamples;
  const measured = check.measurements.p95Ms;
  return typeof measured === 'number' && Number.isFinite(measured) ? [['p95Ms', measured]] : [];
}
