import { controlById } from '../catalogue.js';
import type { AuditReport } from '../engine.js';
import type { Finding, Severity } from '../model.js';
import { summarise } from './json.js';

/** The colour functions the console report uses; pass identity functions for plain text. */
export interface Palette {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export const PLAIN: Palette = {
  red: (t) => t,
  yellow: (t) => t,
  green: (t) => t,
  cyan: (t) => t,
  dim: (t) => t,
  bold: (t) => t,
};

function badge(severity: Severity, palette: Palette): string {
  const label = severity.toUpperCase().padEnd(8);
  if (severity === 'critical' || severity === 'high') return palette.red(label);
  if (severity === 'medium') return palette.yellow(label);
  return palette.dim(label);
}

/** A human report grouped by file, then resource; each finding with its location, fix and waiver. */
export function renderConsole(report: AuditReport, palette: Palette, failed: boolean): string {
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const list = byFile.get(finding.location.file) ?? [];
    list.push(finding);
    byFile.set(finding.location.file, list);
  }
  for (const [file, findings] of byFile) {
    out.push(palette.bold(file));
    const byResource = new Map<string, Finding[]>();
    for (const finding of findings) {
      const list = byResource.get(finding.resource) ?? [];
      list.push(finding);
      byResource.set(finding.resource, list);
    }
    for (const [resource, list] of byResource) {
      out.push(`  ${palette.cyan(resource)}`);
      for (const finding of list) {
        const where = palette.dim(`${finding.location.line}:${finding.location.column}`.padEnd(8));
        const waived = finding.waiver
          ? palette.green(` [waived: ${finding.waiver.owner} until ${finding.waiver.expires}]`)
          : '';
        out.push(
          `    ${where} ${badge(finding.severity, palette)} ${finding.controlId}  ${finding.message}${waived}`,
        );
        const control = controlById(finding.controlId);
        if (control && !finding.waiver)
          out.push(`             ${palette.dim(`fix: ${control.fix}`)}`);
      }
    }
    out.push('');
  }
  const counts = summarise(report);
  const parts = (['critical', 'high', 'medium', 'low', 'info'] as const)
    .filter((severity) => counts[severity] > 0)
    .map((severity) => `${counts[severity]} ${severity}`);
  if (counts.waived > 0) parts.push(`${counts.waived} waived`);
  if (report.baselineSuppressed > 0) parts.push(`${report.baselineSuppressed} in baseline`);
  for (const note of report.notes) out.push(palette.yellow(`note: ${note}`));
  const verdict = failed ? palette.red('FAIL') : palette.green('PASS');
  out.push(
    `${verdict} ${report.objects} resources in ${report.inputs.filter((i) => i.format !== 'ignored').length} inputs, profile ${report.profile}: ${parts.length > 0 ? parts.join(', ') : 'no findings'}`,
  );
  return `${out.join('\n')}\n`;
}
