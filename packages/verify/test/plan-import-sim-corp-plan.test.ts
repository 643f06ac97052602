import { describe, expect, it } from 'vitest';
import {
  bindings,
  countByStatus,
  expectSourceLinesHoldTheirText,
  importSharedPlan,
  readSharedPlan,
  validated,
} from './plan-shared-plans.js';

const FILE = '002_dfeac7ade37a8f38.txt';

// Numbered "Success Criteria" with bold lead-ins, "#### T-0xx" tasks with "**Acceptance:**"
// lists among Scope/Deliverables/Options lists, "Success Metrics" grouped under bold labels,
// phases of numbered task references, tables of gaps and risks, "Next Steps".
describe('plan import: the Sim-Corp plan (002)', () => {
  const result = importSharedPlan(FILE);
  const { plan } = result;

  it('imports success criteria, acceptance lists, grouped success metrics and next steps', () => {
    expect(plan.criteria).toHaveLength(50);
    expect(countByStatus(plan)).toEqual({ todo: 50 });
    const count = (prefix: string) => plan.criteria.filter((c) => c.id.startsWith(prefix)).length;
    expect(count('success-criteria.')).toBe(8);
    expect(count('t-0')).toBe(25); // the Acceptance lists of T-034..T-039
    expect(count('success-metrics.')).toBe(12);
    expect(count('next-steps.')).toBe(5);
  });

  it('binds exactly these checks, with thresholds from the text', () => {
    expect(bindings(plan)).toEqual([
      ['t-037-monitoring-observability.services-expose-metrics-endpoint', 'metrics.contract', {}],
      ['t-038-health-checks.services-have-health-ready-endpoints', 'probe.contract', {}],
      ['t-038-health-checks.graceful-shutdown-completes-30s', 'drill.shutdown', { maxMs: 30_000 }],
    ]);
  });

  it('names grouped metrics by their group, and leaves API latency manual', () => {
    const latency = plan.criteria.find(
      (c) => c.id === 'success-metrics.performance-api-latency-p95-200ms',
    );
    expect(latency?.text).toBe('Performance: API latency p95 <200ms');
    expect(latency?.checks).toBeUndefined();
    expect(result.manual.find((m) => m.criterion === latency?.id)?.reason).toBe(
      'no check measures load, latency or availability under traffic yet',
    );
    // Deliverables, scope, options and the phase schedule are not criteria.
    expect(plan.criteria.some((c) => c.text.startsWith('PostgreSQL (Recommended'))).toBe(false);
    expect(plan.criteria.some((c) => c.text.startsWith('T-034 - '))).toBe(false);
  });

  it('validates as a plan, and every criterion points at its line', () => {
    expect(validated(plan).criteria).toHaveLength(50);
    expectSourceLinesHoldTheirText(result, readSharedPlan(FILE));
  });
});
