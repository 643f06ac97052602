import type { CheckRecord, EvidenceBundle } from '../../evidence/model.js';
import { formatNumber } from '../format.js';
import { latencySeries, seriesStats } from '../sample-stats.js';
import { verdictBadge } from './badge.js';
import { anchorId, escapeHtml as h } from './escape.js';

/** What the page script hands to Chart.js for one check: its latency series and threshold. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly series: ReadonlyArray<{ readonly label: string; readonly values: readonly number[] }>;
  /** The same series in the previous bundle, drawn faint for comparison. */
  readonly previous: ReadonlyArray<{ readonly label: string; readonly values: readonly number[] }>;
  readonly threshold?: { readonly label: string; readonly value: number };
}

export interface ChartPlan {
  readonly specs: readonly ChartSpec[];
  /** The chart of each check that has one, for links from the evidence. */
  readonly byCheck: ReadonlyMap<CheckRecord, string>;
  readonly html: string;
}

/** The limit a latency check was held to, when its parameters name one. */
function threshold(check: CheckRecord): ChartSpec['threshold'] {
  for (const key of ['p95Ms', 'maxMs'] as const) {
    const value = check.params[key];
    if (typeof value === 'number' && Number.isFinite(value)) {
      return {
        label: `${key === 'p95Ms' ? 'p95 limit' : 'limit'} ${formatNumber(value)} ms`,
        value,
      };
    }
  }
  return undefined;
}

function checkKey(criterionId: string, check: CheckRecord): string {
  return `${criterionId}\u0000${check.check}\u0000${check.service ?? ''}`;
}

/** One chart per check that kept latency samples, in plan order; the previous run's beside it. */
export function planCharts(
  bundle: EvidenceBundle,
  previous: EvidenceBundle | undefined,
): ChartPlan {
  const before = new Map<string, CheckRecord>();
  for (const criterion of previous?.criteria ?? []) {
    for (const check of criterion.checks) {
      const key = checkKey(criterion.id, check);
      if (!before.has(key)) before.set(key, check);
    }
  }
  const specs: ChartSpec[] = [];
  const byCheck = new Map<CheckRecord, string>();
  const cards: string[] = [];
  for (const [index, criterion] of bundle.criteria.entries()) {
    for (const check of criterion.checks) {
      const series = latencySeries(check.samples);
      if (series.length === 0) continue;
      const id = `chart-${specs.length}`;
      const old = before.get(checkKey(criterion.id, check));
      const oldSeries = new Map(latencySeries(old?.samples ?? []).map((s) => [s.name, s]));
      const limit = threshold(check);
      const title = `${check.check}${check.service ? ` · ${check.service}` : ''}`;
      specs.push({
        id,
        title,
        series: series.map((s) => ({ label: s.name, values: s.values })),
        previous: series.flatMap((s) => {
          const match = oldSeries.get(s.name);
          return match ? [{ label: s.name, values: match.values }] : [];
        }),
        ...(limit ? { threshold: limit } : {}),
      });
      byCheck.set(check, id);
      const rows = series.map((s) => {
        const stats = seriesStats(s.values);
        const prev = oldSeries.get(s.name);
        const prevStats = prev ? seriesStats(prev.values) : undefined;
        const over = limit && stats && stats.p95 > limit.value;
        return `<tr><th scope="row"><code>${h(s.name)}</code></th><td class="num">${stats?.count ?? 0}</td><td class="num">${stats ? h(formatNumber(stats.p50)) : '—'}</td><td class="num${over ? ' over' : ''}">${stats ? h(formatNumber(stats.p95)) : '—'}${over ? ' <span class="over-mark" title="over the limit">▲ over</span>' : ''}</td><td class="num">${stats ? h(formatNumber(stats.max)) : '—'}</td><td class="num muted">${prevStats ? h(formatNumber(prevStats.p95)) : '—'}</td></tr>`;
      });
      const label = `Latency samples in milliseconds for ${title}, criterion ${criterion.id}: ${series
        .map((s) => {
          const stats = seriesStats(s.values);
          return stats
            ? `${s.name} p95 ${formatNumber(stats.p95)} ms over ${stats.count} samples`
            : s.name;
        })
        .join('; ')}${limit ? `; ${limit.label}` : ''}.`;
      cards.push(`<figure class="chart-card" id="${id}">
  <figcaption><span class="chart-title">${h(title)}</span> ${verdictBadge(check.status)} <a class="cid" href="#${h(anchorId('evidence', criterion.id, index))}">${h(criterion.id)}</a></figcaption>
  <div class="chart-box"><canvas role="img" aria-label="${h(label)}"></canvas></div>
  <table class="grid compact"><thead><tr><th scope="col">Series</th><th scope="col" class="num">n</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">max</th><th scope="col" class="num">prev p95</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</figure>`);
    }
  }
  const html = `<section id="latency" aria-labelledby="latency-title">
<div class="section-head"><h2 id="latency-title">Latency samples</h2><p class="muted">Every sample in the order taken, in ms${previous ? '; the previous run dashed' : ''}. Percentiles are nearest-rank.</p></div>
${cards.length > 0 ? `<div class="chart-grid">${cards.join('\n')}</div>` : '<p class="muted">No check in this run kept latency samples.</p>'}
</section>`;
  return { specs, byCheck, html };
}
