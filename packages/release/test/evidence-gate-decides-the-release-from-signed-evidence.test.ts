import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEvidenceGate } from '../src/evidence/index.js';
import {
  type EvidenceRepo,
  evidenceRepo,
  fileKey,
  ONE_HOUR_LATER,
  writeEvidence,
} from './evidence-signed-bundle.js';

const check = (repo: EvidenceRepo, overrides: { gate?: string; planFile?: string } = {}) =>
  checkEvidenceGate({
    root: repo.root,
    planFile: overrides.planFile ?? repo.planFile,
    gate: overrides.gate ?? 'production',
    evidenceDir: repo.evidenceDir,
    keyring: repo.keyring,
    now: ONE_HOUR_LATER,
  });

describe('check evidence: the plan gate decides, on signed evidence', () => {
  it('passes (go) on a fresh, signed, passing staging bundle', async () => {
    const repo = await evidenceRepo();
    const dir = await writeEvidence(repo);
    const result = await check(repo);
    expect(result).toEqual({
      check: 'evidence',
      status: 'pass',
      summary: `gate staging → production: go, 2 required criteria pass (bundle ${relative(repo.root, dir)})`,
      findings: [],
    });
  });

  it('goes on a criterion that passed with a warning, listing it as a warning that does not block', async () => {
    const repo = await evidenceRepo();
    const dir = await writeEvidence(repo, { metrics: 'warn' });
    const result = await check(repo);
    expect(result.status).toBe('warn');
    expect(result.findings).toEqual([
      {
        id: 'warn:metrics',
        message: 'metrics passes via evidence with verdict warn',
        location: relative(repo.root, dir),
        warning: true,
      },
    ]);
  });

  it('blocks when there is no bundle, with the decision message', async () => {
    const repo = await evidenceRepo();
    const result = await check(repo);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('gate staging → production: blocked by 1 blocker');
    expect(result.findings).toEqual([
      {
        id: 'no-evidence',
        message: `no-evidence: no evidence bundle for staging under ${repo.evidenceDir}: run bulwark verify --env staging first`,
      },
    ]);
  });

  it('blocks on a bundle whose required criterion failed, naming the criterion and the bundle', async () => {
    const repo = await evidenceRepo();
    const dir = await writeEvidence(repo, { metrics: 'fail' });
    const result = await check(repo);
    expect(result.status).toBe('fail');
    expect(result.findings).toEqual([
      {
        id: 'failing:metrics',
        message: 'failing: metrics: fail: fail by the test',
        location: relative(repo.root, dir),
      },
    ]);
  });

  it('blocks a bundle signed by a key the keyring does not trust, and a gate the plan does not have', async () => {
    const repo = await evidenceRepo();
    const stranger = await fileKey(join(repo.root, '.other-keys'), 'intruder');
    await writeEvidence(repo, {}, stranger.signer);
    const untrusted = await check(repo);
    expect(untrusted.status).toBe('fail');
    expect(untrusted.findings.map((f) => f.id)).toEqual(['unknown-key']);

    const noGate = await check(repo, { gate: 'moon' });
    expect(noGate.findings).toEqual([
      {
        id: 'no-gate',
        message: 'no-gate: plan release-test has no gate moon (it has: production)',
      },
    ]);
  });

  it('refuses a plan file that does not exist (a configuration error, not a finding)', async () => {
    const repo = await evidenceRepo();
    await expect(
      check(repo, { planFile: join(repo.root, 'missing.plan.yaml') }),
    ).rejects.toMatchObject({ name: 'ReleaseError', code: 'BW_RELEASE_CONFIG' });
  });
});
