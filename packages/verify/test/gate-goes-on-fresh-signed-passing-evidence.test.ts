import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import { ONE_HOUR_LATER, testPlan, writtenBundle } from './evidence-fixtures.js';

describe('gate go', () => {
  it('goes when the newest dev bundle is signed, unaltered, fresh and every required criterion passed', async () => {
    // nice-to-have is not required: its failure is reported by verify, not by the gate.
    const { root, dir, keys, plan } = await writtenBundle({ verdicts: { 'nice-to-have': 'fail' } });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision).toMatchObject({
      ok: true,
      gate: 'staging',
      from: 'dev',
      maxEvidenceAge: '24h',
      required: ['probe-latency', 'metrics', 'runbook'],
      bundle: { dir, ageMs: 3_600_000, signedBy: 'evidence/v1' },
      blockers: [],
    });
    expect(decision.satisfied.map((s) => [s.criterion, s.verdict, s.via])).toEqual([
      ['probe-latency', 'pass', 'evidence'],
      ['metrics', 'pass', 'evidence'],
      ['runbook', 'pass', 'evidence'],
    ]);
  });

  it('goes on a warn (listed as warn) and on a failure an active waiver covers', async () => {
    const plan = testPlan({
      waivers: [
        {
          criterion: 'metrics',
          owner: 'sre',
          approver: 'cto',
          reason: 'exporter lands next sprint',
          risk: 'low',
          expires: '2026-07-01',
        },
      ],
    });
    const { root, keys } = await writtenBundle({
      plan,
      verdicts: { 'probe-latency': 'warn', metrics: 'waived' },
    });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.ok).toBe(true);
    expect(decision.satisfied).toEqual(
      expect.arrayContaining([
        { criterion: 'probe-latency', verdict: 'warn', via: 'evidence' },
        {
          criterion: 'metrics',
          verdict: 'waived',
          via: 'waiver by sre, approved by cto, risk low, expires 2026-07-01',
        },
      ]),
    );
  });

  it('requires only the listed criteria when the gate names them', async () => {
    const plan = testPlan({
      gates: { staging: { from: 'dev', require: ['metrics'], maxEvidenceAge: '24h' } },
    });
    const { root, keys } = await writtenBundle({ plan, verdicts: { 'probe-latency': 'fail' } });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision).toMatchObject({ ok: true, required: ['metrics'] });
  });
});
