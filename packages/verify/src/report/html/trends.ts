import type { CriterionVerdict } from '../../evidence/model.js';
import { formatDelta, formatNumber, formatTime } from '../format.js';
import type { BundleTrends, LatencyTrend } from '../trends.js';
import { verdictBadge } from './badge.js';
import { escapeHtml as h } from './escape.js';
import { trendCell } from './trend-cell.js';

function badgeOrNone(verdict: CriterionVerdict | undefined): string {
  return verdict ? verdictBadge(verdict) : '<span class="muted">—</span>';
}

function ms(value: number | undefined): string {
  return value === undefined ? '<span class="muted">—</span>' : `${h(formatNumber(value))} ms`;
}

/** A p95 move under 5% (or 1 ms) is noise between runs, not a trend worth colouring. */
function deltaCell(row: LatencyTrend): string {
  if (row.beforeP95 === undefined || row.afterP95 === undefined)
    return '<span class="muted">new</span>';
  const delta = row.afterP95 - row.beforeP95;
  const relative = row.beforeP95 > 0 ? delta / row.beforeP95 : 0;
  const notable = Math.abs(delta) >= 1 && Math.abs(relative) >= 0.05;
  const kind = !notable ? 'flat' : delta > 0 ? 'worse' : 'better';
  const arrow = kind === 'worse' ? '▲ ' : kind === 'better' ? '▼ ' : '';
  const percent =
    row.beforeP95 > 0 && delta !== 0
      ? ` (${delta > 0 ? '+' : '-'}${Math.round(Math.abs(relative) * 100)}%)`
      : '';
  return `<span class="delta ${kind}">${arrow}${h(formatDelta(delta, 'ms'))}${percent}</span>`;
}

/** Verdict changes and p95 moves against the environment's previous bundle. */
export function renderTrends(trends: BundleTrends | undefined): string {
  const head = '<h2 id="trends-title">Since the previous run</h2>';
  if (!trends) {
    return `<section id="trends" aria-labelledby="trends-title">${head}<p class="muted">No previous bundle was given for this environment: trends appear from the second run on.</p></section>`;
  }
  const changed = trends.verdicts.filter((t) => t.change !== 'same');
  const unchanged = trends.verdicts.length - changed.length;
  const verdictTable =
    changed.length === 0
      ? `<p>No verdict changed (${unchanged} criteria).</p>`
      : `<table class="grid trend-verdicts"><caption>Verdict changes <span class="muted">· ${unchanged} unchanged</span></caption>
<thead><tr><th scope="col">Criterion</th><th scope="col">Before</th><th scope="col">Now</th><th scope="col">Change</th></tr></thead>
<tbody>${changed
          .map(
            (t) =>
              `<tr><th scope="row"><span class="cid">${h(t.id)}</span> <span class="ctext">${h(t.text)}</span></th><td>${badgeOrNone(t.before)}</td><td>${badgeOrNone(t.after)}</td><td>${trendCell(t)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const latencyTable =
    trends.latency.length === 0
      ? '<p class="muted">No latency samples in this run.</p>'
      : `<table class="grid trend-latency"><caption>p95 latency by series</caption>
<thead><tr><th scope="col">Criterion</th><th scope="col">Check</th><th scope="col">Service</th><th scope="col">Series</th><th scope="col" class="num">Before</th><th scope="col" class="num">Now</th><th scope="col" class="num">Change</th></tr></thead>
<tbody>${trends.latency
          .map(
            (row) =>
              `<tr><td class="cid">${h(row.criterionId)}</td><td><code>${h(row.check)}</code></td><td>${row.service ? h(row.service) : '<span class="muted">—</span>'}</td><td><code>${h(row.series)}</code></td><td class="num">${ms(row.beforeP95)}</td><td class="num">${ms(row.afterP95)}</td><td class="num">${deltaCell(row)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<section id="trends" aria-labelledby="trends-title">${head}
<p class="compared">Compared with bundle <code>${h(trends.previous.id)}</code> from <time datetime="${h(trends.previous.startedAt)}">${h(formatTime(trends.previous.startedAt))}</time>.</p>
<div class="trend-grid">${verdictTable}${latencyTable}</div>
</section>`;
}
