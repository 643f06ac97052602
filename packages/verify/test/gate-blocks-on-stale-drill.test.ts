import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBundle } from '../src/evidence/write.js';
import { decideGate } from '../src/gate/decide.js';
import type { Plan } from '../src/plan/schema.js';
import { tempDir, testKeys, testPlan, testRun, writtenBundle } from './evidence-fixtures.js';

/** The test plan plus a weekly-style drill (cadence 1h here, inside the gate's 24h). */
function planWithDrill(options: { required?: boolean } = {}): Plan {
  const base = testPlan();
  return {
    ...base,
    criteria: [
      ...base.criteria,
      {
        id: 'capacity',
        text: 'The API holds its SLO under load',
        status: 'doing',
        ...(options.required === false ? { required: false } : {}),
        checks: [{ check: 'drill.load', with: { path: '/v1/items', p95Ms: 200 }, cadence: '1h' }],
      },
    ],
  };
}

const FINISHED = '2026-06-01T12:00:00.000Z';
/** The fixture's checks start 5 s before the bundle finishes. */
const DRILL_STARTED = '2026-06-01T11:59:55.000Z';
const verdicts = { runbook: 'pass' } as const;

describe('gate blocks on a stale drill', () => {
  it('blocks when the drill ran longer ago than its cadence, naming the drill, its last run and its cadence', async () => {
    const plan = planWithDrill();
    const { root, keys } = await writtenBundle({ plan, finishedAt: FINISHED, verdicts });
    const decide = (now: string) =>
      decideGate({
        plan,
        gateName: 'staging',
        evidenceRoot: root,
        keyring: keys.keyring,
        now: new Date(now),
      });

    const fresh = await decide('2026-06-01T12:30:00.000Z');
    expect(fresh.blockers).toEqual([]);
    expect(fresh.ok).toBe(true);

    // Two hours on: the bundle is fresh enough for the gate (24h), the drill is not (1h).
    const stale = await decide('2026-06-01T14:00:00.000Z');
    expect(stale.ok).toBe(false);
    expect(stale.blockers).toEqual([
      {
        criterion: 'capacity',
        code: 'stale-drill',
        message: `drill.load last ran ${DRILL_STARTED} (2h 0m ago); its cadence is 1h: run bulwark drill load --env dev`,
      },
    ]);
    expect(stale.satisfied.map((s) => s.criterion)).not.toContain('capacity');
  });

  it('takes the drill from the newest bundle that ran it when a newer run left it out, and still enforces its cadence', async () => {
    const plan = planWithDrill();
    const keys = await testKeys();
    const root = tempDir();
    const older = await writeBundle(testRun({ plan, finishedAt: FINISHED, verdicts }), {
      root,
      signer: keys.signer,
    });
    // The newest run left the drill out (bulwark verify --only ..., or another drill).
    await writeBundle(
      testRun({ plan, finishedAt: '2026-06-01T12:20:00.000Z', verdicts, omit: ['capacity'] }),
      { root, signer: keys.signer },
    );
    const decide = (now: string) =>
      decideGate({
        plan,
        gateName: 'staging',
        evidenceRoot: root,
        keyring: keys.keyring,
        now: new Date(now),
      });

    const fresh = await decide('2026-06-01T12:30:00.000Z');
    expect(fresh.blockers).toEqual([]);
    expect(fresh.ok).toBe(true);
    const capacity = fresh.satisfied.find((s) => s.criterion === 'capacity');
    expect(capacity?.bundle).toBe(
      JSON.parse(readFileSync(join(older.dir, 'bundle.json'), 'utf8')).id,
    );

    const late = await decide('2026-06-01T13:30:00.000Z');
    expect(late.ok).toBe(false);
    expect(late.blockers).toEqual([
      {
        criterion: 'capacity',
        code: 'stale-drill',
        message: `drill.load last ran ${DRILL_STARTED} (1h 30m ago); its cadence is 1h: run bulwark drill load --env dev`,
      },
    ]);
  });

  it('does not let an older run speak for a criterion when a bundle in between was altered', async () => {
    const plan = planWithDrill();
    const keys = await testKeys();
    const root = tempDir();
    await writeBundle(testRun({ plan, finishedAt: FINISHED, verdicts }), {
      root,
      signer: keys.signer,
    });
    const between = await writeBundle(
      testRun({ plan, finishedAt: '2026-06-01T12:10:00.000Z', verdicts }),
      { root, signer: keys.signer },
    );
    await writeBundle(
      testRun({ plan, finishedAt: '2026-06-01T12:20:00.000Z', verdicts, omit: ['capacity'] }),
      { root, signer: keys.signer },
    );
    const file = join(between.dir, 'bundle.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"dev"', '"dev" '));
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: new Date('2026-06-01T12:30:00.000Z'),
    });
    expect(decision.ok).toBe(false);
    expect(decision.blockers).toEqual([
      expect.objectContaining({ criterion: 'capacity', code: 'altered' }),
    ]);
  });

  it('says no earlier run was found when no bundle ran it', async () => {
    const plan = planWithDrill();
    const { root, keys } = await writtenBundle({
      plan,
      finishedAt: FINISHED,
      verdicts,
      omit: ['capacity'],
    });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: new Date('2026-06-01T12:10:00.000Z'),
    });
    expect(decision.blockers).toContainEqual({
      criterion: 'capacity',
      code: 'stale-drill',
      message:
        'drill.load did not run in the newest bundle (cadence 1h): run bulwark drill load --env dev',
    });
  });

  it('blocks nothing for a drill the gate does not require', async () => {
    const plan = planWithDrill({ required: false });
    const { root, keys } = await writtenBundle({ plan, finishedAt: FINISHED, verdicts });
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: new Date('2026-06-01T20:00:00.000Z'),
    });
    expect(decision.blockers).toEqual([]);
    expect(decision.ok).toBe(true);
  });
});
