import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuditOptions, type AuditReport, audit, type Finding } from '../src/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const TODAY = '2026-06-01';

/** Audits with a fixed date, no kubectl unless asked, and the fixture directory as cwd. */
export function auditPaths(paths: string[], options: Partial<AuditOptions> = {}): AuditReport {
  return audit({
    cwd: FIXTURES,
    today: TODAY,
    kubectl: false,
    waiversFile: false,
    ...options,
    paths,
  });
}

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** Writes a set of files into a fresh temporary directory (removed when the test process exits). */
export function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-audit-'));
  created.push(root);
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return root;
}

export function auditProject(
  files: Record<string, string>,
  options: Partial<AuditOptions> = {},
): AuditReport {
  const root = project(files);
  return audit({
    cwd: root,
    today: TODAY,
    kubectl: false,
    ...options,
    paths: options.paths ?? ['.'],
  });
}

export function ids(report: AuditReport, resource?: string): string[] {
  return [
    ...new Set(
      report.findings.filter((f) => !resource || f.resource === resource).map((f) => f.controlId),
    ),
  ].sort();
}

export function only(report: AuditReport, controlId: string): Finding[] {
  return report.findings.filter((finding) => finding.controlId === controlId);
}

export function readFixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}
