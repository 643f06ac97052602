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
      check.ok ? color.green('pass') : color.red('FAIL'),
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
    terminal.out(color.green(`ok: all ${checks.length} checks passed`));
  } else {
    const parts = [`${failed} of ${checks.length} checks failed`];
    if (unreachable > 0)
      parts.push(`${unreachable} of ${report.targets.length} targets unreachable`);
    terminal.out(color.red(`not ok: ${parts.join(', ')}`));
  }
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
