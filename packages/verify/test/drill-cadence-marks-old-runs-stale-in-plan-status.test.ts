import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { cadenceStates, lastRunIn } from '../src/checks/drill/cadence.js';
import type { CheckRecord, EvidenceBundle } from '../src/evidence/model.js';
import { PlanError, parsePlan } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { planStatus, statusCells } from '../src/plan/status.js';

const plan: Plan = {
  format: 'bulwark.plan/v1',
  name: 'trading',
  environments: { dev: { services: [] } },
  criteria: [
    {
      id: 'capacity',
      text: 'Capacity drill weekly',
      status: 'doing',
      checks: [
        { check: 'drill.load', with: { path: '/v1/orders', p95Ms: 200 }, cadence: '7d' },
        { check: 'probe.latency', with: { p95Ms: 200 } },
      ],
    },
    {
      id: 'restore',
      text: 'Monthly restore drill',
      status: 'todo',
      checks: [{ check: 'drill.shutdown', with: { maxMs: 30000 }, cadence: '30d' }],
    },
    { id: 'plain', text: 'No cadence here', status: 'done', checks: [{ check: 'probe.contract' }] },
  ],
};

const record = (check: string, startedAt: string, status: CheckRecord['status']): CheckRecord => ({
  check,
  service: 'api',
  params: {},
  status,
  summary: status,
  measurements: {},
  samples: [],
  artifacts: [],
  startedAt,
  durationMs: 1000,
});

const bundle: EvidenceBundle = {
  format: 'bulwark.evidence/v1',
  id: 'b-1',
  plan: { name: 'trading', path: 'p.yaml', sha256: '0'.repeat(64) },
  environment: 'dev',
  startedAt: '2026-03-01T09:00:00.000Z',
  finishedAt: '2026-03-10T10:00:00.000Z',
  tool: { name: 'bulwark', version: '0.1.0', node: 'v20' },
  host: 'h',
  criteria: [
    {
      id: 'capacity',
      text: 'Capacity drill weekly',
      planStatus: 'doing',
      required: true,
      verdict: 'pass',
      reason: '2 checks passed',
      checks: [
        // Two targets: the drill is as old as its older run.
        record('drill.load', '2026-03-01T09:00:00.000Z', 'pass'),
        record('drill.load', '2026-03-01T09:05:00.000Z', 'fail'),
        record('probe.latency', '2026-03-10T09:59:00.000Z', 'pass'),
      ],
    },
    {
      id: 'restore',
      text: 'Monthly restore drill',
      planStatus: 'todo',
      required: true,
      verdict: 'skip',
      reason: 'no control',
      // A skip ran nothing: it does not count as the drill's run.
      checks: [record('drill.shutdown', '2026-03-10T09:00:00.000Z', 'skip')],
    },
  ],
  summary: {
    criteria: 2,
    byVerdict: { pass: 1, fail: 0, warn: 0, skip: 1, error: 0, manual: 0, waived: 0 },
    ok: false,
  },
};

describe('drill cadence', () => {
  it('takes the last run from the check records that judged, the oldest of several targets', () => {
    expect(lastRunIn(bundle, 'capacity', 'drill.load')).toBe('2026-03-01T09:00:00.000Z');
    expect(lastRunIn(bundle, 'restore', 'drill.shutdown')).toBeUndefined();
    expect(lastRunIn(bundle, 'nope', 'drill.load')).toBeUndefined();
  });

  it('is fresh inside its cadence and stale past it, or when it never ran', () => {
    const inside = cadenceStates(plan, bundle, new Date('2026-03-08T09:00:00.000Z'));
    expect(inside).toEqual([
      {
        criterion: 'capacity',
        check: 'drill.load',
        cadence: '7d',
        cadenceMs: 7 * 86_400_000,
        lastRunAt: '2026-03-01T09:00:00.000Z',
        ageMs: 7 * 86_400_000,
        stale: false,
      },
      {
        criterion: 'restore',
        check: 'drill.shutdown',
        cadence: '30d',
        cadenceMs: 30 * 86_400_000,
        stale: true,
      },
    ]);
    const past = cadenceStates(plan, bundle, new Date('2026-03-08T09:00:00.001Z'));
    expect(past[0]?.stale).toBe(true);
    expect(cadenceStates(plan, undefined, new Date()).every((s) => s.stale)).toBe(true);
  });

  it('shows each drill against its cadence in plan status', () => {
    const rows = planStatus(plan, bundle, new Date('2026-03-13T12:00:00.000Z'));
    expect(rows[0]?.cadences).toEqual([
      expect.objectContaining({
        check: 'drill.load',
        ageMs: 12 * 86_400_000 + 3 * 3_600_000,
        stale: true,
      }),
    ]);
    expect(statusCells(rows[0] as (typeof rows)[number]).at(-1)).toBe(
      '3d 2h; stale: drill.load 12d 3h old, cadence 7d',
    );
    expect(statusCells(rows[1] as (typeof rows)[number]).at(-1)).toBe(
      '3d 2h; stale: drill.shutdown not run, cadence 30d',
    );
    expect(rows[2]?.cadences).toBeUndefined();
    expect(statusCells(rows[2] as (typeof rows)[number]).at(-1)).toBe('-');

    const fresh = planStatus(plan, bundle, new Date('2026-03-02T09:00:00.000Z'));
    expect(statusCells(fresh[0] as (typeof fresh)[number]).at(-1)).toBe('0ms');
  });

  it('accepts a cadence as a duration in the plan, and refuses anything else', () => {
    const text = (cadence: string) => `format: bulwark.plan/v1
name: cadence
environments: { dev: { services: [] } }
criteria:
  - id: capacity
    text: weekly load drill
    checks: [{ check: drill.load, with: { path: /v1/items }, cadence: ${cadence} }]
`;
    const parsed = parsePlan(text('7d'), 'p.yaml', defaultRegistry());
    expect(parsed.criteria[0]?.checks?.[0]?.cadence).toBe('7d');
    expect(() => parsePlan(text('weekly'), 'p.yaml', defaultRegistry())).toThrow(PlanError);
    expect(() => parsePlan(text('weekly'), 'p.yaml', defaultRegistry())).toThrow(/cadence/);
  });
});
