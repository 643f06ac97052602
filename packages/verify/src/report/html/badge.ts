import type { CheckStatus } from '../../checks/check.js';
import type { CriterionVerdict } from '../../evidence/model.js';
import { VERDICT_MARK, VERDICT_MEANING } from '../verdicts.js';
import { escapeHtml } from './escape.js';

/** A status badge: glyph and word, so the status reads without colour (and in print). */
export function verdictBadge(verdict: CriterionVerdict | CheckStatus): string {
  const known = verdict in VERDICT_MARK;
  const mark = known ? VERDICT_MARK[verdict as CriterionVerdict] : '•';
  const meaning = known ? VERDICT_MEANING[verdict as CriterionVerdict] : verdict;
  const css = known ? verdict : 'unknown';
  return `<span class="badge v-${css}" title="${escapeHtml(meaning)}"><span aria-hidden="true">${escapeHtml(mark)}</span> ${escapeHtml(verdict)}</span>`;
}
