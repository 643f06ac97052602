import type { CheckStatus } from '../../checks/check.js';
import type { CriterionRecord, EvidenceBundle } from '../../evidence/model.js';
import { meetsRequirement } from '../../evidence/verdicts.js';
import type { BundleTrends } from '../trends.js';
import { verdictBadge } from './badge.js';
import { anchorId, escapeHtml as h } from './escape.js';
import { trendCell } from './trend-cell.js';

const CHECK_ORDER: readonly CheckStatus[] = ['fail', 'error', 'skip', 'warn', 'pass'];

/** Consecutive criteria of one section, in plan order (a section may come back later). */
function sectionRuns(bundle: EvidenceBundle): Array<{ title: string; rows: number[] }> {
  const runs: Array<{ title: string; rows: number[] }> = [];
  bundle.criteria.forEach((criterion, index) => {
    const title = criterion.section ?? bundle.plan.name;
    const last = runs[runs.length - 1];
    if (last && last.title === title) last.rows.push(index);
    else runs.push({ title, rows: [index] });
  });
  return runs;
}

function checkCounts(criterion: CriterionRecord): string {
  if (criterion.checks.length === 0) return '<span class="muted">none (manual)</span>';
  return CHECK_ORDER.map(
    (status) => [status, criterion.checks.filter((c) => c.status === status).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `<span class="count s-${status}">${n} ${status}</span>`)
    .join(' ');
}

/** The overview: one row per criterion, grouped by section, each linking to its evidence. */
export function renderCriteriaTable(
  bundle: EvidenceBundle,
  trends: BundleTrends | undefined,
): string {
  const trendById = new Map(trends?.verdicts.map((t) => [t.id, t]));
  const columns = [
    'Verdict',
    'Id',
    'Criterion',
    'Owner',
    'Why',
    'Checks',
    ...(trends ? ['Since previous'] : []),
  ];
  const bodies = sectionRuns(bundle).map(({ title, rows }) => {
    const lines = rows.map((index) => {
      const c = bundle.criteria[index] as CriterionRecord;
      const attention = c.verdict !== 'pass';
      const blocking = c.required && !meetsRequirement(c.verdict);
      return `<tr id="${h(anchorId('row', c.id, index))}" class="crit v-${h(c.verdict)}${blocking ? ' blocking' : ''}" data-attention="${attention}">
  <td class="status">${verdictBadge(c.verdict)}</td>
  <th scope="row" class="id"><a class="cid" href="#${h(anchorId('evidence', c.id, index))}">${h(c.id)}</a></th>
  <td class="criterion"><span class="ctext">${h(c.text)}</span>${c.required ? '' : ' <span class="tag">optional</span>'}</td>
  <td class="owner">${c.owner ? h(c.owner) : '<span class="muted">—</span>'}</td>
  <td class="reason">${h(c.reason)}</td>
  <td class="checks">${checkCounts(c)}</td>${trends ? `\n  <td class="change">${trendCell(trendById.get(c.id))}</td>` : ''}
</tr>`;
    });
    return `<tbody>
<tr class="section-row"><th scope="rowgroup" colspan="${columns.length}">${h(title)}</th></tr>
${lines.join('\n')}
</tbody>`;
  });
  return `<section id="criteria" aria-labelledby="criteria-title">
<div class="section-head">
  <h2 id="criteria-title">Criteria</h2>
  <label class="filter no-print"><input type="checkbox" id="attention-only"> Only what needs attention</label>
</div>
<div class="table-wrap">
<table class="criteria">
<caption class="sr-only">Every criterion of the plan, its verdict, owner and the reason for the verdict</caption>
<thead><tr>${columns.map((c) => `<th scope="col">${c}</th>`).join('')}</tr></thead>
${bodies.join('\n')}
</table>
</div>
</section>`;
}
