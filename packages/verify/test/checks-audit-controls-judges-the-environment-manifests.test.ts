import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../src/plan/schema.js';
import { planWith, runCheck } from './checks-harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ADD_URL = fileURLToPath(
  new URL('./fixtures/controls/dockerfile/BW-DOCKERFILE-ADD-URL.fail.Dockerfile', import.meta.url),
);
const work = mkdtempSync(join(tmpdir(), 'bw-audit-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function planFor(manifests: string[] | undefined): Plan {
  const plan = planWith([]);
  return { ...plan, environments: { dev: { services: [], ...(manifests ? { manifests } : {}) } } };
}

/** A plan directory holding one Dockerfile with one medium finding (ADD from a URL). */
function projectWithFinding(name: string, waivers?: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'deploy'), { recursive: true });
  copyFileSync(ADD_URL, join(dir, 'deploy', 'Dockerfile'));
  if (waivers) {
    mkdirSync(join(dir, '.bulwark'));
    writeFileSync(join(dir, '.bulwark', 'waivers.yaml'), waivers);
  }
  return dir;
}

describe('audit.controls', () => {
  it("passes the repository's own deploy files, relative to the plan's directory", async () => {
    const outcome = await runCheck(
      'audit.controls',
      {},
      {
        plan: planFor(['deploy/docker']),
        planDir: REPO,
      },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(/^\d+ resources? audited \(all\), no unwaived findings$/);
    const report = JSON.parse(String(outcome.artifacts?.[0]?.content));
    expect(report).toMatchObject({ passed: true, findings: [] });
  });

  it('fails on an unwaived finding, naming control, resource and file, with the JSON report', async () => {
    const dir = projectWithFinding('finding');
    const outcome = await runCheck(
      'audit.controls',
      {},
      { plan: planFor(['deploy']), planDir: dir },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe(
      '1 unwaived finding: BW-DOCKERFILE-ADD-URL Dockerfile (medium, deploy/Dockerfile)',
    );
    expect(outcome.measurements).toMatchObject({ medium: 1, waived: 0, resources: 1 });
    const report = JSON.parse(String(outcome.artifacts?.[0]?.content));
    expect(report.findings.map((f: { controlId: string }) => f.controlId)).toEqual([
      'BW-DOCKERFILE-ADD-URL',
    ]);
  });

  it('only runs the profile asked for', async () => {
    const dir = projectWithFinding('profile');
    const security = await runCheck(
      'audit.controls',
      { profile: 'security' },
      {
        plan: planFor(['deploy']),
        planDir: dir,
      },
    );
    const operability = await runCheck(
      'audit.controls',
      { profile: 'operability' },
      {
        plan: planFor(['deploy']),
        planDir: dir,
      },
    );
    expect([security.status, operability.status].sort()).toEqual(['fail', 'pass']);
  });

  it('warns when the only finding left is a waiver about to expire', async () => {
    const dir = projectWithFinding(
      'expiring',
      'waivers:\n  - control: BW-DOCKERFILE-ADD-URL\n    target: deploy/Dockerfile\n    owner: platform\n    reason: vendor tool has no package\n    expires: 2026-03-10\n',
    );
    const outcome = await runCheck(
      'audit.controls',
      {},
      {
        plan: planFor(['deploy']),
        planDir: dir,
        now: new Date('2026-03-01T00:00:00Z'),
      },
    );
    expect(outcome.status, outcome.summary).toBe('warn');
    expect(outcome.summary).toContain('1 informational finding: BW-WAIVER-EXPIRING');
  });

  it('skips, saying why, when the environment lists no manifests', async () => {
    const outcome = await runCheck(
      'audit.controls',
      {},
      { plan: planFor(undefined), planDir: work },
    );
    expect(outcome).toMatchObject({
      status: 'skip',
      reason: 'environment dev lists no manifests to audit',
    });
  });

  it('fails, not passes, when the manifests are missing or hold nothing to audit', async () => {
    const missing = await runCheck(
      'audit.controls',
      {},
      {
        plan: planFor(['no-such-dir']),
        planDir: work,
      },
    );
    expect(missing.status).toBe('fail');
    expect(missing.summary).toMatch(/^cannot audit: .*no-such-dir/);
    mkdirSync(join(work, 'empty'));
    writeFileSync(join(work, 'empty', 'README.md'), '# nothing here\n');
    const empty = await runCheck('audit.controls', {}, { plan: planFor(['empty']), planDir: work });
    expect(empty).toMatchObject({
      status: 'fail',
      summary: 'nothing to audit in empty: no Dockerfile, compose file or Kubernetes manifest',
    });
  });
});
