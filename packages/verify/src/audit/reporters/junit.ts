import { CONTROLS } from '../catalogue.js';
import { type AuditReport, blocksGate } from '../engine.js';
import type { Severity } from '../model.js';

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/**
 * JUnit XML for CI test tabs: one suite per control that applied, one case per finding. A finding
 * fails the case when it is unwaived and at or above `failOn`; waived findings are skipped cases.
 */
export function renderJunit(report: AuditReport, failOn: Severity): string {
  const lines: string[] = [];
  let tests = 0;
  let failures = 0;
  const suites: string[] = [];
  for (const control of CONTROLS) {
    const findings = report.findings.filter((finding) => finding.controlId === control.id);
    if (findings.length === 0) continue;
    const cases = findings.map((finding) => {
      const name = xml(`${finding.resource} ${finding.path}`.trim());
      const where = `${finding.location.file}:${finding.location.line}:${finding.location.column}`;
      const head = `    <testcase classname="${xml(control.id)}" name="${name}" file="${xml(finding.location.file)}" line="${finding.location.line}">`;
      if (finding.waiver) {
        return `${head}\n      <skipped message="${xml(`waived by ${finding.waiver.owner} until ${finding.waiver.expires}: ${finding.waiver.reason}`)}"/>\n    </testcase>`;
      }
      if (blocksGate(finding, failOn)) {
        return `${head}\n      <failure type="${finding.severity}" message="${xml(finding.message)}">${xml(`${where} ${finding.message}\nFix: ${control.fix}`)}</failure>\n    </testcase>`;
      }
      return `${head}\n      <system-out>${xml(`${finding.severity} (below --fail-on ${failOn}): ${where} ${finding.message}`)}</system-out>\n    </testcase>`;
    });
    const suiteFailures = findings.filter((finding) => blocksGate(finding, failOn)).length;
    const skipped = findings.filter((finding) => finding.waiver).length;
    tests += cases.length;
    failures += suiteFailures;
    suites.push(
      `  <testsuite name="${xml(`${control.id} ${control.title}`)}" tests="${cases.length}" failures="${suiteFailures}" skipped="${skipped}" errors="0">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  if (suites.length === 0) {
    tests = 1;
    suites.push(
      `  <testsuite name="bulwark audit" tests="1" failures="0" skipped="0" errors="0">\n    <testcase classname="bulwark" name="no findings in ${report.objects} resources"/>\n  </testsuite>`,
    );
  }
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(`<testsuites name="bulwark audit" tests="${tests}" failures="${failures}">`);
  lines.push(...suites);
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
