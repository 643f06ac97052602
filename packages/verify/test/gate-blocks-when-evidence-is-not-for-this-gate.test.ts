import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import type { Plan } from '../src/plan/schema.js';
import { ONE_HOUR_LATER, tempDir, testKeys, testPlan, writtenBundle } from './evidence-fixtures.js';

describe('gate blocks when there is no evidence for it', () => {
  it('reports an unknown gate as no-gate, naming the gates there are', async () => {
    const keys = await testKeys();
    const decision = await decideGate({
      plan: testPlan(),
      gateName: 'prod',
      evidenceRoot: tempDir(),
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision).toMatchObject({
      ok: false,
      blockers: [{ code: 'no-gate', message: 'plan reference has no gate prod (it has: staging)' }],
    });
  });

  it('blocks with no-evidence when the source environment has no bundle', async () => {
    const keys = await testKeys();
    const root = tempDir();
    const decision = await decideGate({
      plan: testPlan(),
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.blockers).toEqual([
      {
        code: 'no-evidence',
        message: `no evidence bundle for dev under ${root}: run bulwark verify --env dev first`,
      },
    ]);
  });

  it('blocks a bundle of another environment or another plan given with bundleDir', async () => {
    const { dir, keys, plan } = await writtenBundle({ environment: 'staging' });
    const wrongEnv = await decideGate({
      plan,
      gateName: 'staging',
      bundleDir: dir,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(wrongEnv.blockers).toEqual([
      {
        code: 'wrong-environment',
        message: 'the evidence is from staging; gate staging promotes from dev',
      },
    ]);
    const renamed: Plan = { ...plan, name: 'another' };
    const wrongPlan = await decideGate({
      plan: renamed,
      gateName: 'staging',
      bundleDir: dir,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(wrongPlan.blockers.map((b) => b.code)).toEqual(['wrong-environment', 'wrong-plan']);
  });

  it('blocks evidence of a criterion whose threshold or text changed since the run', async () => {
    const { root, keys, plan } = await writtenBundle();
    const tightened: Plan = {
      ...plan,
      criteria: plan.criteria.map((c) =>
        c.id === 'probe-latency'
          ? { ...c, checks: [{ check: 'probe.latency', with: { p95Ms: 50 } }] }
          : c.id === 'runbook'
            ? { ...c, text: 'The on-call runbook is reviewed and rehearsed' }
            : c,
      ),
    };
    const decision = await decideGate({
      plan: tightened,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.blockers).toEqual([
      {
        criterion: 'probe-latency',
        code: 'wrong-plan',
        message:
          "criterion probe-latency's probe.latency parameters changed since the evidence was taken: run verify again",
      },
      {
        criterion: 'runbook',
        code: 'wrong-plan',
        message: "criterion runbook's text changed since the evidence was taken: run verify again",
      },
    ]);
    // Defaults the plan does not spell out are not compared: the same p95Ms still matches.
    const same = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(same.ok).toBe(true);
  });
});
