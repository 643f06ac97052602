import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import { writtenBundle } from './evidence-fixtures.js';

describe('gate blocks on stale evidence', () => {
  it('blocks evidence older than the gate’s maxEvidenceAge, and passes it just inside', async () => {
    const { root, keys, plan } = await writtenBundle({ finishedAt: '2026-06-01T12:00:00.000Z' });
    const decide = (now: string) =>
      decideGate({
        plan,
        gateName: 'staging',
        evidenceRoot: root,
        keyring: keys.keyring,
        now: new Date(now),
      });

    const justInside = await decide('2026-06-02T12:00:00.000Z');
    expect(justInside.ok).toBe(true);

    const stale = await decide('2026-06-03T15:30:00.000Z');
    expect(stale.ok).toBe(false);
    expect(stale.bundle?.ageMs).toBe(2 * 86_400_000 + 3.5 * 3_600_000);
    expect(stale.blockers).toEqual([
      {
        code: 'stale',
        message:
          'the evidence is 2d 3h old; gate staging accepts at most 24h: run bulwark verify --env dev again',
      },
    ]);
  });

  it('does not take evidence dated in the future as fresh', async () => {
    const { root, keys, plan } = await writtenBundle({ finishedAt: '2026-06-05T00:00:00.000Z' });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: new Date('2026-06-01T00:00:00.000Z'),
    });
    expect(decision.blockers).toEqual([
      expect.objectContaining({ code: 'stale', message: expect.stringMatching(/in the future/) }),
    ]);
  });
});
