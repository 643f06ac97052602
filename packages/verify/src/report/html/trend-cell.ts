import type { VerdictTrend } from '../trends.js';
import { escapeHtml as h } from './escape.js';

/** How a criterion's verdict moved, in words with an arrow: colour only repeats what they say. */
export function trendCell(trend: VerdictTrend | undefined): string {
  if (!trend || trend.change === 'same')
    return '<span class="muted" title="unchanged">—<span class="sr-only"> unchanged</span></span>';
  if (trend.change === 'new') return '<span class="trend new">new</span>';
  if (trend.change === 'removed') return '<span class="trend removed">removed</span>';
  const word =
    trend.change === 'better' ? '▲ better' : trend.change === 'worse' ? '▼ worse' : '◆ changed';
  return `<span class="trend ${trend.change}">${word}</span> <span class="muted">was ${h(trend.before ?? '')}</span>`;
}
