import { describe, expect, it } from 'vitest';
import {
  bindings,
  countByStatus,
  expectSourceLinesHoldTheirText,
  importSharedPlan,
  readSharedPlan,
  validated,
} from './plan-shared-plans.js';

const FILE = '000_8b788f0aeac24581.txt';

// Workstreams with "### Tasks" and "### Acceptance criteria" under "## N) ..." headings, each with
// a "**Owner:**" line; a "(Deferred)" workstream; a readiness gate introduced by a sentence.
describe('plan import: the sovereign AI stack plan (000)', () => {
  const result = importSharedPlan(FILE);
  const { plan } = result;

  it('imports 23 tasks, 15 acceptance criteria and 3 readiness-gate items', () => {
    expect(plan.criteria).toHaveLength(41);
    expect(countByStatus(plan)).toEqual({ todo: 36, deferred: 5 });
    expect(new Set(result.bound.map((b) => b.criterion)).size + result.manual.length).toBe(41);
  });

  it('binds exactly these checks, with their parameters', () => {
    expect(bindings(plan)).toEqual([
      [
        'security-hardening.run-services-non-root-read-only-safe-cap-drop',
        'audit.controls',
        { profile: 'security' },
      ],
      ['security-hardening.add-signed-mode-transitions-tool-gate', 'gate.transitions-signed', {}],
      ['security-hardening.external-egress-attempts-fail-policy', 'gate.egress-denied', {}],
      ['security-hardening.ledger-verification-endpoint-returns-valid-chain', 'ledger.verify', {}],
      [
        'security-hardening.containers-pass-least-privilege-audit-checklist',
        'audit.controls',
        { profile: 'security' },
      ],
      ['api-governance-contracts.introduce-api-versioning', 'api.versioned', { prefix: '/v1' }],
      ['api-governance-contracts.publish-openapi-snapshots-service', 'openapi.snapshot', {}],
      ['gpu-enablement-plan.gpu-canary-passes-without-regressions-before', 'embeddings.canary', {}],
    ]);
  });

  it('takes owners from the workstream, and deferral from its heading', () => {
    const byId = new Map(plan.criteria.map((c) => [c.id, c]));
    expect(byId.get('security-hardening.external-egress-attempts-fail-policy')).toMatchObject({
      owner: 'Security Lead',
      status: 'todo',
      section: '1) Security Hardening / Acceptance criteria',
      source: { line: 19 },
    });
    const gpu = plan.criteria.filter((c) => c.section?.startsWith('7) GPU Enablement'));
    expect(gpu.map((c) => c.status)).toEqual(Array(5).fill('deferred'));
    expect(gpu.every((c) => c.owner === 'ML Platform Lead')).toBe(true);
    const gate = plan.criteria.filter((c) => c.section === 'Readiness Gate to Exit Hardening');
    expect(gate.map((c) => c.text)).toEqual([
      '72h stability soak with no sev-1 incidents.',
      'successful restore drill.',
      'security sign-off and architecture review sign-off.',
    ]);
    expect(gate.every((c) => c.owner === undefined)).toBe(true);
  });

  it('says why the rest stay manual', () => {
    const reasons = new Map(result.manual.map((m) => [m.criterion, m.reason]));
    expect(
      reasons.get('reliability-lifecycle.add-graceful-shutdown-startup-timeout-handling'),
    ).toMatch(/drill\.shutdown needs a time limit/);
    expect(reasons.get('reliability-lifecycle.restore-drill-backup-completes-under-target')).toBe(
      'no check measures backups and restore drills yet',
    );
    const ledger = result.bound.find((b) => b.check === 'ledger.verify');
    expect(ledger?.because).toMatch(/after 24h soak/);
  });

  it('validates as a plan, and every criterion points at its line', () => {
    expect(validated(plan).criteria).toHaveLength(41);
    expectSourceLinesHoldTheirText(result, readSharedPlan(FILE));
  });
});
