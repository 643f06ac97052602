import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveKeyring } from '@bulwark/keys';
import { defaultRegistry, loadPlan, type Plan, writeBundle } from '@bulwark/verify';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type RunSpec,
  type TestKeys,
  tempDir,
  testKeys,
  testRun,
} from '../../verify/test/evidence-fixtures.js';
import { expectOneLineFailure, runCli } from './run-cli.js';

const PLAN = `format: bulwark.plan/v1
name: reference
environments:
  dev:
    services:
      - name: core-api
        url: http://127.0.0.1:8080
        kind: http
  staging:
    services:
      - name: core-api
        url: http://10.0.0.1:8080
        kind: http
criteria:
  - id: probe-latency
    text: All HTTP services respond to /ready and /live within <200ms
    status: doing
    checks:
      - check: probe.latency
        with: { p95Ms: 200 }
  - id: metrics
    text: Every service exports the contract metric families
    status: done
    checks:
      - check: metrics.contract
  - id: runbook
    text: The on-call runbook is reviewed
    status: todo
gates:
  staging: { from: dev, require: all, maxEvidenceAge: 24h }
  prod: { from: staging, require: [metrics], maxEvidenceAge: 7d }
`;

describe('bulwark gate through the real CLI', () => {
  let planFile: string;
  let plan: Plan;
  let keys: TestKeys;
  let keyringFile: string;

  beforeAll(async () => {
    const dir = tempDir('bw-gate-cli-');
    planFile = join(dir, 'bulwark.plan.yaml');
    writeFileSync(planFile, PLAN);
    plan = (await loadPlan(planFile, defaultRegistry())).plan;
    keys = await testKeys();
    keyringFile = join(dir, 'keyring.json');
    await saveKeyring(keyringFile, keys.keyring);
  });

  /** An evidence root holding one dev bundle of `spec`, finished a minute ago. */
  async function evidence(spec: RunSpec = {}): Promise<{ root: string; dir: string }> {
    const root = tempDir();
    const finishedAt = new Date(Date.now() - 60_000).toISOString();
    const { dir } = await writeBundle(testRun({ plan, finishedAt, ...spec }), {
      root,
      signer: keys.signer,
    });
    return { root, dir };
  }

  const gate = (...args: string[]) =>
    runCli(['gate', '--plan', planFile, '--to', 'staging', '--keyring', keyringFile, ...args]);

  it('exits 0 (go) on fresh, signed, passing evidence', async () => {
    const { root } = await evidence();
    const run = await gate('--evidence-dir', root);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^GO {2}dev → staging: 3 required criteria pass\n/);
    // Finished a minute ago; a slow machine may take a few seconds to get here.
    expect(run.stdout).toMatch(/evidence: .* \(signed by evidence\/v1, 1m \d+s old, max 24h\)/);
    expect(run.stderr).toBe('');
  });

  it('exits 1 (blocked) listing each blocker and its reason', async () => {
    const { root } = await evidence({ verdicts: { metrics: 'fail', runbook: 'manual' } });
    const run = await gate('--evidence-dir', root);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').slice(0, 3)).toEqual([
      'BLOCKED  dev → staging: 2 blockers',
      '  failing  metrics: fail: fail by the test',
      '  skipped  runbook: manual, not attested: manual by the test',
    ]);

    const json = await gate('--evidence-dir', root, '--format', 'json');
    expect(json.code).toBe(1);
    const decision = JSON.parse(json.stdout);
    expect(decision).toMatchObject({
      ok: false,
      gate: 'staging',
      from: 'dev',
      trust: `keyring ${keyringFile}`,
    });
    expect(decision.blockers.map((b: { code: string }) => b.code)).toEqual(['failing', 'skipped']);
  });

  it('exits 1 on stale evidence, on evidence altered after signing, and when there is none', async () => {
    const stale = await evidence({
      finishedAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    });
    const staleRun = await gate('--evidence-dir', stale.root);
    expect(staleRun.code).toBe(1);
    expect(staleRun.stdout).toMatch(
      /stale {2}the evidence is 3d 0h old; gate staging accepts at most 24h/,
    );

    const altered = await evidence({ verdicts: { metrics: 'fail' } });
    const path = join(altered.dir, 'bundle.json');
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll('"fail"', '"pass"'));
    const alteredRun = await gate('--bundle', altered.dir);
    expect(alteredRun.code).toBe(1);
    expect(alteredRun.stdout).toContain(
      'altered  bundle.json: the signed document was altered after signing',
    );

    const none = await gate('--evidence-dir', tempDir());
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('no-evidence  no evidence bundle for dev under');
  });

  it('exits 2 with one line for an unknown gate, an invalid plan, a corrupt bundle, or conflicting flags', async () => {
    const { root, dir } = await evidence();
    expectOneLineFailure(
      await runCli([
        'gate',
        '--plan',
        planFile,
        '--to',
        'qa',
        '--keyring',
        keyringFile,
        '--evidence-dir',
        root,
      ]),
      /has no gate "qa"; its gates: staging, prod/,
    );

    const badPlan = join(tempDir(), 'bad.plan.yaml');
    writeFileSync(badPlan, PLAN.replace('maxEvidenceAge: 24h', 'maxEvidenceAge: soon'));
    expectOneLineFailure(
      await runCli(['gate', '--plan', badPlan, '--to', 'staging', '--keyring', keyringFile]),
      /bad\.plan\.yaml:\d+:\d+: .*maxEvidenceAge/,
    );
    expectOneLineFailure(
      await runCli(['gate', '--plan', join(tempDir(), 'missing.yaml'), '--to', 'staging']),
      /missing\.yaml: cannot read the plan/,
    );

    writeFileSync(join(dir, 'bundle.sig.json'), 'garbage');
    expectOneLineFailure(await gate('--bundle', dir), /bundle\.sig\.json is not valid JSON/);

    const both = await gate('--bundle', dir, '--evidence-dir', root);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot be used with/);
  });
});
