import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import { ONE_HOUR_LATER, testPlan, testRun, writtenBundle } from './evidence-fixtures.js';

describe('gate blocks on a required criterion that was skipped', () => {
  it('blocks a skipped check, a manual criterion nobody attested, and one that never ran', async () => {
    const { root, keys, plan } = await writtenBundle({
      verdicts: { 'probe-latency': 'skip', runbook: 'manual' },
      omit: ['metrics'],
    });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.ok).toBe(false);
    expect(decision.blockers).toEqual([
      { criterion: 'probe-latency', code: 'skipped', message: 'skipped: skip by the test' },
      {
        criterion: 'metrics',
        code: 'skipped',
        message: 'never ran: the evidence bundle has no result for it',
      },
      {
        criterion: 'runbook',
        code: 'skipped',
        message: 'manual, not attested: manual by the test',
      },
    ]);
  });

  it('does not take a recorded pass whose checks all skipped as a pass', async () => {
    const run = testRun();
    const criteria = run.bundle.criteria.map((c) =>
      c.id === 'metrics'
        ? { ...c, checks: c.checks.map((check) => ({ ...check, status: 'skip' as const })) }
        : c,
    );
    const { writeBundle } = await import('../src/evidence/write.js');
    const { tempDir, testKeys } = await import('./evidence-fixtures.js');
    const keys = await testKeys();
    const root = tempDir();
    await writeBundle(
      { ...run, bundle: { ...run.bundle, criteria } },
      { root, signer: keys.signer },
    );
    const decision = await decideGate({
      plan: testPlan(),
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.blockers).toEqual([
      {
        criterion: 'metrics',
        code: 'skipped',
        message: 'recorded as pass, but none of its checks ran',
      },
    ]);
  });
});
