import { describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../src/evidence/model.js';
import type { Plan } from '../src/plan/schema.js';
import { planStatus, statusCells, summarizeStatus } from '../src/plan/status.js';

const plan: Plan = {
  format: 'bulwark.plan/v1',
  name: 'payments',
  environments: { local: { services: [] } },
  criteria: [
    {
      id: 'reliability.shutdown',
      text: 'Graceful shutdown completes within 30s',
      section: 'Reliability',
      owner: 'SRE',
      status: 'doing',
      checks: [{ check: 'drill.shutdown', with: { maxMs: 30000 } }],
    },
    {
      id: 'ops.runbook',
      text: 'Runbook published',
      status: 'todo',
      evidence: ['runbook under docs/', 'reviewed by ops'],
    },
    { id: 'ops.unjudged', text: 'Not in the bundle', status: 'done' },
  ],
};

const bundle = {
  format: 'bulwark.evidence/v1',
  id: 'b-1',
  plan: { name: 'payments', path: 'p.yaml', sha256: '0'.repeat(64) },
  environment: 'local',
  startedAt: '2026-03-01T09:00:00.000Z',
  finishedAt: '2026-03-01T10:00:00.000Z',
  tool: { name: 'bulwark', version: '0.1.0', node: 'v20' },
  host: 'h',
  criteria: [
    {
      id: 'reliability.shutdown',
      text: 'Graceful shutdown completes within 30s',
      planStatus: 'doing',
      required: true,
      verdict: 'fail',
      reason: 'api exited after 41200 ms (limit 30000 ms)',
      checks: [],
    },
    {
      id: 'ops.runbook',
      text: 'Runbook published',
      planStatus: 'todo',
      required: true,
      verdict: 'manual',
      reason: 'no valid attestation',
      checks: [],
    },
  ],
  summary: {
    criteria: 2,
    byVerdict: { pass: 0, fail: 1, warn: 0, skip: 0, error: 0, manual: 1, waived: 0 },
    ok: false,
  },
} satisfies EvidenceBundle;

describe('plan status', () => {
  const now = new Date('2026-03-02T12:30:00.000Z');

  it('shows the verdict, the reason and the age of the newest evidence', () => {
    const rows = planStatus(plan, bundle, now);
    expect(rows[0]).toEqual({
      id: 'reliability.shutdown',
      text: 'Graceful shutdown completes within 30s',
      section: 'Reliability',
      owner: 'SRE',
      planStatus: 'doing',
      checks: ['drill.shutdown'],
      verdict: 'fail',
      evidence: 'api exited after 41200 ms (limit 30000 ms)',
      evidenceAt: '2026-03-01T10:00:00.000Z',
      ageMs: 26.5 * 3_600_000,
    });
    expect(rows[2]).toEqual({
      id: 'ops.unjudged',
      text: 'Not in the bundle',
      planStatus: 'done',
      checks: [],
    });
    expect(statusCells(rows[0] as (typeof rows)[number])).toEqual([
      'reliability.shutdown',
      'doing',
      'fail',
      'drill.shutdown',
      'SRE',
      'api exited after 41200 ms (limit 30000 ms)',
      '1d 2h',
    ]);
    expect(summarizeStatus(rows)).toEqual({
      criteria: 3,
      byPlanStatus: { todo: 1, doing: 1, done: 1, deferred: 0 },
      byVerdict: { fail: 1, manual: 1, unjudged: 1 },
    });
  });

  it("without evidence, shows the plan's own last evidence line and no verdict or age", () => {
    const rows = planStatus(plan, undefined, now);
    expect(rows[1]).toEqual({
      id: 'ops.runbook',
      text: 'Runbook published',
      planStatus: 'todo',
      checks: [],
      evidence: 'reviewed by ops',
    });
    expect(statusCells(rows[1] as (typeof rows)[number])).toEqual([
      'ops.runbook',
      'todo',
      '-',
      'manual',
      '-',
      'reviewed by ops',
      '-',
    ]);
  });
});
