import type { CheckRecord, CriterionRecord, EvidenceBundle } from '../../evidence/model.js';
import { expiryTime } from '../../waivers/expiry.js';
import {
  formatBytes,
  formatElapsed,
  formatMeasurement,
  formatNumber,
  formatTime,
} from '../format.js';
import { seriesStats } from '../sample-stats.js';
import { verdictBadge } from './badge.js';
import { anchorId, escapeHtml as h } from './escape.js';

function facts(pairs: Array<[string, string | undefined]>): string {
  const rows = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined);
  return `<dl class="facts">${rows.map(([k, v]) => `<div><dt>${h(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function time(iso: string): string {
  return `<time datetime="${h(iso)}">${h(formatTime(iso))}</time>`;
}

/** How far the waiver's end lay from the run, so a reader sees one about to lapse. */
function expiryNote(expires: string, runAt: string): string {
  const days = Math.floor((expiryTime(expires) - Date.parse(runAt)) / 86_400_000);
  if (Number.isNaN(days)) return '';
  if (days < 0) return ' <span class="muted">(already expired at this run)</span>';
  return ` <span class="muted">(${days} day${days === 1 ? '' : 's'} after this run)</span>`;
}

function waiverBlock(criterion: CriterionRecord, runAt: string): string {
  const w = criterion.waiver;
  if (!w) return '';
  return `<div class="waiver" role="note" aria-label="Waiver">
  <p class="waiver-title"><span aria-hidden="true">≈</span> Waived · <span class="risk risk-${h(w.risk)}">${h(w.risk)} risk</span></p>
  ${facts([
    ['Approver', h(w.approver)],
    ['Owner', h(w.owner)],
    ['Expires', `${h(w.expires)}${expiryNote(w.expires, runAt)}`],
    ['Reason', h(w.reason)],
  ])}
</div>`;
}

function measurementsTable(check: CheckRecord): string {
  const entries = Object.entries(check.measurements).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return '';
  return `<table class="kv"><caption>Measurements</caption><tbody>${entries
    .map(
      ([name, value]) =>
        `<tr><th scope="row">${h(name)}</th><td>${h(formatMeasurement(value))}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function samplesTable(check: CheckRecord, chartId: string | undefined): string {
  if (check.samples.length === 0) return '';
  const rows = check.samples.map((series) => {
    const stats = seriesStats(series.values);
    const cells = stats
      ? [stats.count, stats.min, stats.p50, stats.p95, stats.max]
          .map((n) => `<td class="num">${h(formatNumber(n))}</td>`)
          .join('')
      : '<td class="num">0</td><td colspan="4" class="muted">no values</td>';
    return `<tr><th scope="row">${h(series.name)}</th><td>${h(series.unit)}</td>${cells}</tr>`;
  });
  const link = chartId ? ` <a class="chart-link" href="#${h(chartId)}">chart</a>` : '';
  return `<table class="grid samples"><caption>Samples${link}</caption>
<thead><tr><th scope="col">Series</th><th scope="col">Unit</th><th scope="col" class="num">n</th><th scope="col" class="num">min</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">max</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>`;
}

function artifactsTable(check: CheckRecord): string {
  if (check.artifacts.length === 0) return '';
  return `<table class="grid artifacts"><caption>Artifacts</caption>
<thead><tr><th scope="col">Path in the bundle</th><th scope="col">Type</th><th scope="col" class="num">Size</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${check.artifacts
    .map(
      (a) =>
        `<tr><td><code>${h(a.path)}</code></td><td>${h(a.mediaType)}</td><td class="num">${h(formatBytes(a.bytes))}</td><td><code class="hash">${h(a.sha256)}</code></td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function dataTables(check: CheckRecord, chartId: string | undefined): string {
  const tables = [
    measurementsTable(check),
    samplesTable(check, chartId),
    artifactsTable(check),
  ].filter((table) => table !== '');
  return tables.length > 0 ? `<div class="check-data">${tables.join('')}</div>` : '';
}

function checkBlock(check: CheckRecord, chartId: string | undefined): string {
  const params =
    Object.keys(check.params).length > 0
      ? `<code>${h(JSON.stringify(check.params))}</code>`
      : undefined;
  // A skip or an error always shows why; when the summary already is the reason, once.
  const judged = check.status !== 'skip' && check.status !== 'error';
  const label =
    check.status === 'skip' ? 'Skipped because' : check.status === 'error' ? 'Broke' : 'Reason';
  const showSummary = judged || check.reason === undefined || check.reason !== check.summary;
  const reason =
    check.reason !== undefined && (!judged || check.reason !== check.summary)
      ? `<p class="check-reason"><strong>${label}:</strong> ${h(check.reason)}</p>`
      : '';
  return `<article class="check s-${h(check.status)}">
  <div class="check-head">
    <h4>${verdictBadge(check.status)} <code>${h(check.check)}</code>${check.service ? ` on <strong>${h(check.service)}</strong>` : ' <span class="muted">(environment)</span>'}</h4>
    ${showSummary ? `<p class="check-summary">${h(check.summary)}</p>` : ''}
  </div>
  ${reason}
  ${facts([
    ['Target', check.url ? `<code>${h(check.url)}</code>` : undefined],
    ['Target version', check.targetVersion !== undefined ? h(check.targetVersion) : undefined],
    ['Started', time(check.startedAt)],
    ['Took', h(formatElapsed(check.durationMs))],
    ['Parameters', params],
  ])}
  ${dataTables(check, chartId)}
</article>`;
}

/**
 * One collapsible block per criterion with everything its verdict rests on. Blocks that need
 * attention (fail, error) start open; `chartIds` maps a check to its latency chart, if it has one.
 */
export function renderEvidence(
  bundle: EvidenceBundle,
  chartIds: ReadonlyMap<CheckRecord, string>,
): string {
  const blocks = bundle.criteria.map((c, index) => {
    const open = c.verdict === 'fail' || c.verdict === 'error';
    const checks =
      c.checks.length > 0
        ? c.checks.map((check) => checkBlock(check, chartIds.get(check))).join('\n')
        : '<p class="muted">No checks are bound to this criterion: it is met only by a signed attestation (<code>bulwark plan attest</code>).</p>';
    return `<details id="${h(anchorId('evidence', c.id, index))}" class="evidence v-${h(c.verdict)}"${open ? ' open' : ''}>
<summary>${verdictBadge(c.verdict)} <span class="cid">${h(c.id)}</span> <span class="ctext">${h(c.text)}</span> <span class="muted count-checks">${c.checks.length} check${c.checks.length === 1 ? '' : 's'}</span></summary>
<div class="evidence-body">
  <p class="reason-line"><strong>Why ${h(c.verdict)}:</strong> ${h(c.reason)}</p>
  ${facts([
    ['Section', c.section !== undefined ? h(c.section) : undefined],
    ['Owner', c.owner !== undefined ? h(c.owner) : '<span class="muted">none</span>'],
    ['Plan status', h(c.planStatus)],
    ['Required', c.required ? 'yes' : 'no (reported, not gating)'],
  ])}
  ${waiverBlock(c, bundle.startedAt)}
  ${checks}
</div>
</details>`;
  });
  return `<section id="evidence" aria-labelledby="evidence-title">
<div class="section-head">
  <h2 id="evidence-title">Evidence</h2>
  <div class="no-print tools"><button type="button" id="expand-all">Expand all</button> <button type="button" id="collapse-all">Collapse all</button></div>
</div>
${blocks.join('\n')}
</section>`;
}
