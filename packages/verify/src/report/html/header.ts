import type { EvidenceBundle } from '../../evidence/model.js';
import { blockers, countVerdicts, VERDICT_ORDER } from '../../evidence/verdicts.js';
import { formatElapsed, formatTime } from '../format.js';
import { VERDICT_MARK } from '../verdicts.js';
import { anchorId, escapeHtml as h } from './escape.js';

/** Plan, environment, when, with what; then the verdict banner and the counts by verdict. */
export function renderHeader(bundle: EvidenceBundle): string {
  const elapsed = Date.parse(bundle.finishedAt) - Date.parse(bundle.startedAt);
  const meta: Array<[string, string]> = [
    ['Environment', `<strong>${h(bundle.environment)}</strong>`],
    [
      'Started',
      `<time datetime="${h(bundle.startedAt)}">${h(formatTime(bundle.startedAt))}</time>`,
    ],
    ['Took', Number.isFinite(elapsed) ? h(formatElapsed(elapsed)) : '—'],
    ['Tool', h(`${bundle.tool.name} ${bundle.tool.version} · node ${bundle.tool.node}`)],
    ['Host', h(bundle.host)],
    ['Bundle', `<code>${h(bundle.id)}</code>`],
    [
      'Plan file',
      `<code>${h(bundle.plan.path)}</code> <code class="hash" title="plan SHA-256">${h(bundle.plan.sha256.slice(0, 12))}</code>`,
    ],
  ];
  return `<header class="page-head">
  <p class="eyebrow">bulwark verify · evidence report</p>
  <h1>${h(bundle.plan.name)}</h1>
  <dl class="meta">${meta.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
</header>
${renderBanner(bundle)}`;
}

function renderBanner(bundle: EvidenceBundle): string {
  const counts = countVerdicts(bundle.criteria);
  const required = bundle.criteria.filter((c) => c.required).length;
  const blocking = blockers(bundle);
  const chips = VERDICT_ORDER.map(
    (v) =>
      `<li class="chip v-${v}${counts[v] === 0 ? ' zero' : ''}"><span class="n">${counts[v]}</span> <span aria-hidden="true">${h(VERDICT_MARK[v])}</span> ${v}</li>`,
  ).join('');
  const headline = bundle.summary.ok ? 'OK' : 'NOT OK';
  const detail = bundle.summary.ok
    ? `All ${required} required criteria are met (passed, warned or waived).`
    : blocking.length > 0
      ? `${blocking.length} of ${required} required criteria not met: ${blocking
          .map(
            (c) =>
              `<a href="#${h(anchorId('evidence', c.id, bundle.criteria.indexOf(c)))}">${h(c.id)}</a>`,
          )
          .join(', ')}`
      : 'The run recorded that required criteria are not met.';
  return `<section class="banner ${bundle.summary.ok ? 'ok' : 'not-ok'}" aria-label="Verdict">
  <p class="verdict"><span class="verdict-word">${headline}</span><span class="verdict-detail">${detail}</span></p>
  <ul class="chips" aria-label="Criteria by verdict">${chips}</ul>
  <p class="total">${bundle.criteria.length} criteria · ${required} required</p>
</section>`;
}
