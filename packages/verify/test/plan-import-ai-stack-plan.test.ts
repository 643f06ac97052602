import { describe, expect, it } from 'vitest';
import {
  bindings,
  countByStatus,
  expectSourceLinesHoldTheirText,
  importSharedPlan,
  readSharedPlan,
  validated,
} from './plan-shared-plans.js';

const FILE = '003_d2ff71194cffa7a9.txt';

// A phase / sub-task tracker: "**Tasks:**" checkbox lists ([x] and [ ]), "**Success Criteria:**"
// lists whose items carry ✅, headings with emoji, and the whole file's emoji mis-decoded as
// Mac Roman (`‚úÖ` for ✅, `‚Üí` for →).
describe('plan import: the AI stack roadmap (003)', () => {
  const result = importSharedPlan(FILE);
  const { plan } = result;

  it('imports 237 checkbox items and 88 success-criteria items with their status', () => {
    expect(plan.criteria).toHaveLength(325);
    expect(countByStatus(plan)).toEqual({ done: 209, todo: 116 });
    const checkboxLines = readSharedPlan(FILE)
      .split('\n')
      .filter((line) => /^\s*- \[[ x]\] /.test(line)).length;
    expect(checkboxLines).toBe(237);
    // 188 ticked boxes and 21 success criteria marked ✅ are done.
    const ticked = plan.criteria.filter(
      (c) => c.status === 'done' && !/Success/.test(c.section ?? ''),
    );
    expect(ticked.length).toBeGreaterThanOrEqual(188);
  });

  it('binds exactly these checks', () => {
    expect(bindings(plan)).toEqual([
      ['add-tls-https.external-endpoints-use-https', 'tls.certificate', {}],
      [
        'add-tls-https.http-requests-redirect-https',
        'tls.redirect',
        { url: 'http://localhost:8088', to: 'https://localhost:8443' },
      ],
      [
        'implement-api-authentication.test-verify-unauthenticated-requests-fail',
        'auth.enforced',
        {},
      ],
      ['implement-api-authentication.401-errors-missing-invalid-keys', 'auth.enforced', {}],
      ['sanitize-error-messages.add-generic-error-messages-users', 'errors.sanitized', {}],
      ['sanitize-error-messages.test-verify-stack-traces-not-api', 'errors.problem-json', {}],
      ['sanitize-error-messages.api-responses-have-generic-error-messages', 'errors.sanitized', {}],
      ['sanitize-error-messages.stack-traces-only-server-logs', 'errors.problem-json', {}],
      ['add-prometheus-metrics.add-metrics-endpoints-services', 'metrics.contract', {}],
      ['add-prometheus-metrics.services-expose-metrics-endpoint', 'metrics.contract', {}],
      ['add-comprehensive-api.add-openapi-swagger-specs-endpoints', 'openapi.served', {}],
      ['phase-2-success.tls-enabled-external-endpoints-note-full', 'tls.certificate', {}],
    ]);
  });

  it('repairs the mis-decoded emoji: ✅ marks done, arrows read as arrows, headings lose emoji', () => {
    const byLine = new Map(plan.criteria.map((c) => [c.source?.line, c]));
    expect(byLine.get(31)).toMatchObject({
      text: 'Container survives network interruptions during model download',
      status: 'done',
    });
    expect(byLine.get(48)?.text).toBe(
      'Added dependencies: open-webui→llama-cpp, mindsdb→postgres, hybrid-coordinator→embeddings',
    );
    expect(byLine.get(21)?.section).toBe(
      'Phase 1: Critical Stability Fixes (P0 - Do First) / 1.1 Fix Embeddings Service Startup Reliability COMPLETE',
    );
    expect(plan.criteria.every((c) => !/‚|üé/.test(`${c.text}${c.section}`))).toBe(true);
  });

  it('keeps an unticked box todo even when its section says completed', () => {
    const commit = plan.criteria.find((c) => c.source?.line === 158);
    expect(commit).toMatchObject({
      text: 'Commit: "security: remove network_mode host, add proper networking"',
      status: 'todo',
    });
    // "Error IDs allow support to find details": the check would see the id, not the support desk.
    expect(
      result.manual.find(
        (m) => m.criterion === 'sanitize-error-messages.error-ids-allow-support-find-details',
      )?.reason,
    ).toMatch(/finding it in the logs needs a person/);
  });

  it('validates as a plan, and every criterion points at its line', () => {
    expect(validated(plan).criteria).toHaveLength(325);
    expectSourceLinesHoldTheirText(result, readSharedPlan(FILE));
  });
});
