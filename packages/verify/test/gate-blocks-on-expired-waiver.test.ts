import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import type { PlanWaiver } from '../src/plan/schema.js';
import { testPlan, writtenBundle } from './evidence-fixtures.js';

const waiver: PlanWaiver = {
  criterion: 'metrics',
  owner: 'sre',
  approver: 'cto',
  reason: 'exporter lands next sprint',
  risk: 'medium',
  expires: '2026-06-01',
};

describe('gate blocks on an expired waiver', () => {
  it('blocks a criterion the evidence says is waived once the waiver has run out', async () => {
    const plan = testPlan({ waivers: [waiver] });
    // Verified while the waiver held (it covers 2026-06-01 until midnight UTC) ...
    const { root, keys } = await writtenBundle({
      plan,
      finishedAt: '2026-06-01T20:00:00.000Z',
      verdicts: { metrics: 'waived' },
    });
    const decide = (now: string) =>
      decideGate({
        plan,
        gateName: 'staging',
        evidenceRoot: root,
        keyring: keys.keyring,
        now: new Date(now),
      });
    expect((await decide('2026-06-01T23:00:00.000Z')).ok).toBe(true);
    // ... and gated after it expired, with the evidence still fresh.
    const decision = await decide('2026-06-02T01:00:00.000Z');
    expect(decision.ok).toBe(false);
    expect(decision.blockers).toEqual([
      {
        criterion: 'metrics',
        code: 'expired-waiver',
        message: 'waived, and its waiver (sre, approved by cto) expired 2026-06-01',
      },
    ]);
  });

  it('names the expired waiver when a failing criterion had one', async () => {
    const plan = testPlan({ waivers: [{ ...waiver, expires: '2026-05-01' }] });
    const { root, keys } = await writtenBundle({ plan, verdicts: { metrics: 'fail' } });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: new Date('2026-06-01T13:00:00.000Z'),
    });
    expect(decision.blockers).toEqual([
      {
        criterion: 'metrics',
        code: 'expired-waiver',
        message:
          'fail (fail by the test), and its waiver (sre, approved by cto) expired 2026-05-01',
      },
    ]);
  });

  it('blocks a waived criterion whose waiver the plan no longer holds', async () => {
    const { root, keys, plan } = await writtenBundle({ verdicts: { metrics: 'waived' } });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: new Date('2026-06-01T13:00:00.000Z'),
    });
    expect(decision.blockers).toEqual([
      expect.objectContaining({ criterion: 'metrics', code: 'waiver-missing' }),
    ]);
  });
});
