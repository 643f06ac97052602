import type { AuditReport } from '../engine.js';
import { SEVERITIES, type Severity } from '../model.js';

export const TOOL_NAME = 'bulwark-audit';
export const TOOL_VERSION = '0.1.0';

export function summarise(report: AuditReport): Record<Severity | 'waived', number> {
  const counts = Object.fromEntries([...SEVERITIES.map((s) => [s, 0]), ['waived', 0]]) as Record<
    Severity | 'waived',
    number
  >;
  for (const finding of report.findings) {
    if (finding.waiver) counts.waived++;
    else counts[finding.severity]++;
  }
  return counts;
}

/** The machine-readable report; its `findings[].fingerprint` values are what `--baseline` reads back. */
export function renderJson(report: AuditReport, failed: boolean): string {
  return `${JSON.stringify(
    {
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      profile: report.profile,
      passed: !failed,
      summary: summarise(report),
      objects: report.objects,
      baselineSuppressed: report.baselineSuppressed,
      inputs: report.inputs,
      notes: report.notes,
      findings: report.findings,
    },
    null,
    2,
  )}\n`;
}
