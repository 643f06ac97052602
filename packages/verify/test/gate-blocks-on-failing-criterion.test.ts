import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import { ONE_HOUR_LATER, writtenBundle } from './evidence-fixtures.js';

describe('gate blocks on a failing criterion', () => {
  it('names each required criterion that failed or errored, with its reason', async () => {
    const { root, keys, plan } = await writtenBundle({
      verdicts: { 'probe-latency': 'fail', metrics: 'error' },
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
      { criterion: 'probe-latency', code: 'failing', message: 'fail: fail by the test' },
      { criterion: 'metrics', code: 'failing', message: 'error: error by the test' },
    ]);
    expect(decision.satisfied.map((s) => s.criterion)).toEqual(['runbook']);
  });

  it('blocks on the newest bundle even when an older one passed', async () => {
    const { root, keys, plan } = await writtenBundle({ finishedAt: '2026-06-01T11:00:00.000Z' });
    const { writeBundle } = await import('../src/evidence/write.js');
    const { testRun } = await import('./evidence-fixtures.js');
    await writeBundle(testRun({ verdicts: { metrics: 'fail' } }), { root, signer: keys.signer });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.blockers).toEqual([
      expect.objectContaining({ criterion: 'metrics', code: 'failing' }),
    ]);
  });
});
