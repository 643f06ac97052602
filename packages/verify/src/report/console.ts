import type {
  CheckRecord,
  CriterionRecord,
  CriterionVerdict,
  EvidenceBundle,
} from '../evidence/model.js';
import { blockers, countVerdicts, VERDICT_ORDER } from '../evidence/verdicts.js';
import { formatTime } from './format.js';
import { compareBundles, type VerdictTrend } from './trends.js';
import { VERDICT_MARK } from './verdicts.js';

export interface ConsoleOptions {
  /** ANSI colour; the CLI passes false for NO_COLOR, pipes and `--format json`. */
  readonly color: boolean;
  /** The environment's previous bundle: changed verdicts are marked against it. */
  readonly previous?: EvidenceBundle;
}

/**
 * Six SGR codes, written out rather than taken from picocolors: @bulwark/verify does not depend
 * on it, and the CLI decides whether colour is on (terminal.ts), so this needs no detection.
 * Each style closes with its own reset code, so nesting two different styles is safe.
 */
interface Palette {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const sgr =
  (open: number, close: number) =>
  (text: string): string =>
    text === '' ? '' : `\x1b[${open}m${text}\x1b[${close}m`;

const ANSI: Palette = {
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
  dim: sgr(2, 22),
  bold: sgr(1, 22),
};

const identity = (text: string): string => text;
const PLAIN: Palette = {
  red: identity,
  green: identity,
  yellow: identity,
  cyan: identity,
  dim: identity,
  bold: identity,
};

function verdictColor(verdict: CriterionVerdict | CheckRecord['status'], p: Palette) {
  switch (verdict) {
    case 'pass':
      return p.green;
    case 'fail':
    case 'error':
      return p.red;
    case 'warn':
    case 'manual':
    case 'waived':
      return p.yellow;
    default:
      return p.dim;
  }
}

/** One criterion per block, like the plan's tracker: mark, verdict, id, owner, text, then why. */
export function renderConsole(bundle: EvidenceBundle, options: ConsoleOptions): string {
  const p = options.color ? ANSI : PLAIN;
  const trends = options.previous ? compareBundles(bundle, options.previous) : undefined;
  const trendById = new Map(trends?.verdicts.map((t) => [t.id, t]));
  const out: string[] = [];
  out.push(
    `${p.bold(oneLine(bundle.plan.name))} ${p.dim('·')} ${oneLine(bundle.environment)} ${p.dim(
      `· ${formatTime(bundle.startedAt)} · bulwark ${oneLine(bundle.tool.version)} · bundle ${oneLine(bundle.id)}`,
    )}`,
  );
  const idWidth = Math.min(28, Math.max(0, ...bundle.criteria.map((c) => oneLine(c.id).length)));
  let section: string | undefined;
  for (const criterion of bundle.criteria) {
    if (criterion.section !== section || out.length === 1) {
      section = criterion.section;
      out.push('', p.bold(oneLine(section ?? bundle.plan.name)));
    }
    out.push(...criterionLines(criterion, idWidth, trendById.get(criterion.id), p));
  }
  const removed = trends?.verdicts.filter((t) => t.change === 'removed') ?? [];
  if (removed.length > 0) {
    out.push('', p.dim(`no longer in the plan: ${removed.map((t) => oneLine(t.id)).join(', ')}`));
  }
  out.push('', totalsLine(bundle, p));
  if (trends) out.push(changesLine(trends.verdicts, trends.previous, p));
  return `${out.join('\n')}\n`;
}

function criterionLines(
  criterion: CriterionRecord,
  idWidth: number,
  trend: VerdictTrend | undefined,
  p: Palette,
): string[] {
  const color = verdictColor(criterion.verdict, p);
  const mark = color(`${VERDICT_MARK[criterion.verdict]} ${criterion.verdict.padEnd(6)}`);
  const owner = criterion.owner ? p.cyan(`@${oneLine(criterion.owner)}`) : p.dim('no owner');
  const optional = criterion.required ? '' : p.dim(' (optional)');
  const head = `  ${mark}  ${p.bold(oneLine(criterion.id).padEnd(idWidth))}  ${oneLine(criterion.text)}  ${owner}${optional}${changeNote(trend, p)}`;
  const lines = [head];
  const indent = ' '.repeat(2 + 8 + 2);
  lines.push(`${indent}${color(oneLine(criterion.reason))}`);
  if (criterion.waiver) {
    const w = criterion.waiver;
    lines.push(
      `${indent}${p.yellow(
        `waiver: approved by ${oneLine(w.approver)}, owner ${oneLine(w.owner)}, ${oneLine(w.risk)} risk, expires ${oneLine(w.expires)}: ${oneLine(w.reason)}`,
      )}`,
    );
  }
  const widths = {
    check: Math.max(0, ...criterion.checks.map((c) => c.check.length)),
    service: Math.max(0, ...criterion.checks.map((c) => oneLine(c.service ?? '').length)),
  };
  for (const check of criterion.checks) lines.push(`${indent}  ${checkLine(check, widths, p)}`);
  return lines;
}

/** Status, check and service in aligned columns within a criterion, then what it saw. */
function checkLine(
  check: CheckRecord,
  widths: { check: number; service: number },
  p: Palette,
): string {
  const status = verdictColor(check.status, p)(check.status.padEnd(5));
  const name = oneLine(check.check).padEnd(widths.check);
  const where =
    widths.service > 0 ? `  ${p.cyan(oneLine(check.service ?? '').padEnd(widths.service))}` : '';
  const summary = oneLine(check.summary);
  // A skip or an error always says why, even when the check's summary said something else.
  const reason =
    check.reason && oneLine(check.reason) !== summary
      ? ` ${p.dim('—')} ${oneLine(check.reason)}`
      : '';
  return `${status} ${name}${where}  ${summary}${reason}`;
}

function changeNote(trend: VerdictTrend | undefined, p: Palette): string {
  if (!trend || trend.change === 'same') return '';
  if (trend.change === 'new') return p.dim('  (new since previous)');
  const text = `  (was ${trend.before})`;
  if (trend.change === 'better') return p.green(text);
  if (trend.change === 'worse') return p.red(text);
  return p.yellow(text);
}

function totalsLine(bundle: EvidenceBundle, p: Palette): string {
  const counts = countVerdicts(bundle.criteria);
  const parts = VERDICT_ORDER.filter((v) => counts[v] > 0).map((v) =>
    verdictColor(v, p)(`${counts[v]} ${v}`),
  );
  const total = `${bundle.criteria.length} criteria: ${parts.length > 0 ? parts.join(', ') : 'none'}`;
  if (bundle.summary.ok) return `${p.green(p.bold('ok'))}  ${total}`;
  const blocking = blockers(bundle);
  const named =
    blocking.length > 0
      ? `; required and not met: ${blocking.map((c) => oneLine(c.id)).join(', ')}`
      : '';
  return `${p.red(p.bold('not ok'))}  ${total}${named}`;
}

function changesLine(
  verdicts: readonly VerdictTrend[],
  previous: { id: string; startedAt: string },
  p: Palette,
): string {
  const better = verdicts.filter((t) => t.change === 'better').length;
  const worse = verdicts.filter((t) => t.change === 'worse').length;
  const other = verdicts.filter((t) => t.change === 'changed').length;
  const added = verdicts.filter((t) => t.change === 'new').length;
  const removed = verdicts.filter((t) => t.change === 'removed').length;
  const parts = [
    better > 0 ? p.green(`${better} better`) : '',
    worse > 0 ? p.red(`${worse} worse`) : '',
    other > 0 ? p.yellow(`${other} changed`) : '',
    added > 0 ? `${added} new` : '',
    removed > 0 ? `${removed} removed` : '',
  ].filter((part) => part !== '');
  const since = p.dim(`since ${oneLine(previous.id)} (${formatTime(previous.startedAt)}): `);
  return `${since}${parts.length > 0 ? parts.join(', ') : 'no verdict changed'}`;
}

/**
 * Bundle text comes from plan files and from what targets answered: newlines would break the
 * layout and escape sequences could drive the reader's terminal, so both become visible text.
 */
function oneLine(text: string): string {
  return text
    .replace(/\r\n|[\r\n]/g, ' ⏎ ')
    .replace(
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
}
