import { renderTable } from '../output/table.js';
import type { Terminal } from '../output/terminal.js';
import type { CheckResult, ProbeReport } from './report.js';

/** The human report: one table per target, then a one-line verdict. */
export function printProbeReport(report: ProbeReport, terminal: Terminal): void {
  const { color } = terminal;
  for (const target of report.targets) {
    const state = target.reachable ? '' : color.red(' (unreachable)');
    terminal.out(`${color.bold(target.url)}${state}`);
    const rows = target.checks.map((check) => [
      check.id,
      verdict(check, color),
      check.detail,
      timings(check),
    ]);
    terminal.out(indent(renderTable(['check', 'result', 'detail', 'p50 / p95'], rows)));
    terminal.out('');
  }
  const checks = report.targets.flatMap((t) => t.checks);
  const failed = checks.filter((c) => !c.ok).length;
  const unreachable = report.targets.filter((t) => !t.reachable).length;
  if (report.ok) {
    const warned = checks.filter((c) => c.status === 'warn').length;
    const note = warned > 0 ? `, ${warned} with a warning` : '';
    terminal.out(color.green(`ok: all ${checks.length} checks passed${note}`));
  } else {
    const parts = [`${failed} of ${checks.length} checks failed`];
    if (unreachable > 0)
      parts.push(`${unreachable} of ${report.targets.length} targets unreachable`);
    terminal.out(color.red(`not ok: ${parts.join(', ')}`));
  }
}

/** pass or FAIL; the security checks also warn (met, worth a look) or skip (not judged). */
function verdict(check: CheckResult, color: Terminal['color']): string {
  if (check.status === 'warn') return color.yellow('warn');
  if (check.status === 'skip') return color.yellow('SKIP');
  return check.ok ? color.green('pass') : color.red('FAIL');
}

function timings(check: CheckResult): string {
  const { p50Ms, p95Ms } = check.measurements;
  if (typeof p50Ms !== 'number' || typeof p95Ms !== 'number') return '';
  return `${p50Ms.toFixed(1)} / ${p95Ms.toFixed(1)} ms`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
