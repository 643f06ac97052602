import { describe, expect, it } from 'vitest';
import {
  bindings,
  countByStatus,
  expectSourceLinesHoldTheirText,
  importSharedPlan,
  readSharedPlan,
  validated,
} from './plan-shared-plans.js';

const FILE = '001_e14f9608765660cc.txt';

// Sections introduced by "Checklist per HTTP service:", "Action Items:" (numbered), "Required:",
// "Next:"; a "Metrics Backlog Summary" table; a numbered execution queue; "Acceptance Criteria".
describe('plan import: the agent platform plan (001)', () => {
  const result = importSharedPlan(FILE);
  const { plan } = result;

  it('imports checklist, action, required and next items, backlog rows, the queue and the acceptance criteria', () => {
    expect(plan.criteria).toHaveLength(52);
    expect(countByStatus(plan)).toEqual({ todo: 52 });
    const sections = (name: string) => plan.criteria.filter((c) => c.section === name).length;
    expect(sections('Readiness & Liveness Standardization')).toBe(7); // 4 checklist + 3 actions
    expect(sections('Metrics Backlog Summary')).toBe(6);
    expect(sections('Prioritized Next Steps (Execution Queue)')).toBe(8);
    expect(sections('Acceptance Criteria (Phase Completion)')).toBe(7);
    // Objectives, Target, Key Values, Components and the risk table describe work: not criteria.
    expect(plan.criteria.some((c) => c.section === 'Objectives')).toBe(false);
    expect(plan.criteria.some((c) => c.section === 'Risk & Mitigations')).toBe(false);
  });

  it('binds exactly these checks, with thresholds from the text', () => {
    expect(bindings(plan)).toEqual([
      [
        'readiness-liveness-standardization.endpoint-get-ready-probes-critical-dependencies',
        'probe.contract',
        {},
      ],
      [
        'readiness-liveness-standardization.endpoint-get-health-retains-richer-component',
        'probe.contract',
        {},
      ],
      [
        'readiness-liveness-standardization.add-ready-live-remaining-http-apps',
        'probe.contract',
        {},
      ],
      ['security-posture.validate-jwt-algorithms-enforced', 'auth.enforced', {}],
      [
        'acceptance-criteria.http-services-respond-ready-live-200ms',
        'probe.latency',
        { p95Ms: 200, endpoints: ['/live', '/ready'] },
      ],
      [
        'acceptance-criteria.startup-shutdown-metrics-exposed-observable-prometheus',
        'metrics.contract',
        { families: ['service_startup_seconds', 'service_shutdown_seconds'] },
      ],
    ]);
  });

  it('leaves near misses manual, saying what the check would not measure', () => {
    const reasons = new Map(result.manual.map((m) => [m.criterion, m.reason]));
    expect(reasons.get('acceptance-criteria.traceparent-visible-kafka-messages-spans-link')).toBe(
      'trace.propagation checks HTTP requests; this asks for trace context in kafka traffic',
    );
    expect(
      reasons.get('readiness-liveness-standardization.endpoint-get-live-returns-status-alive'),
    ).toMatch(/names an exact response body/);
    expect(reasons.get('metrics-backlog-summary.memory-wal-lag-seconds')).toMatch(
      /names metric family memory_wal_lag_seconds/,
    );
    expect(
      reasons.get('graceful-shutdown.gateway-add-termination-timeout-enforcement-before'),
    ).toMatch(/^no check measures /);
  });

  it('reads table rows with their columns', () => {
    const row = plan.criteria.find(
      (c) => c.id === 'metrics-backlog-summary.service-shutdown-seconds',
    );
    expect(row).toMatchObject({
      text: 'service_shutdown_seconds (Type: Histogram; Purpose: Ensure graceful shutdown bounded)',
      source: { line: 125 },
    });
  });

  it('validates as a plan, and every criterion points at its line', () => {
    expect(validated(plan).criteria).toHaveLength(52);
    expectSourceLinesHoldTheirText(result, readSharedPlan(FILE));
  });
});
