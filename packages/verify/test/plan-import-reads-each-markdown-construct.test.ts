import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { ImportError, importMarkdownPlan } from '../src/plan/import/index.js';
import { validated } from './plan-shared-plans.js';

const registry = defaultRegistry();
const load = (markdown: string) =>
  importMarkdownPlan(markdown, { sourcePath: 'PLAN.md' }, registry).plan;

describe('plan import: which markdown constructs become criteria', () => {
  it('reads all four checkbox states, at any depth and under any heading', () => {
    const plan = load(
      [
        '# Tracker',
        '## Notes',
        '- [ ] not started',
        '- [~] in progress',
        '* [x] done',
        '+ [X] done, capital X',
        '1. [-] deferred',
        '- parent without a box',
        '  - [~] nested in progress',
        '- `[ ]` a legend entry in a code span is not a box',
        '',
      ].join('\n'),
    );
    expect(plan.criteria.map((c) => [c.text, c.status, c.source?.line])).toEqual([
      ['not started', 'todo', 3],
      ['in progress', 'doing', 4],
      ['done', 'done', 5],
      ['done, capital X', 'done', 6],
      ['deferred', 'deferred', 7],
      ['nested in progress', 'doing', 9],
    ]);
    validated(plan);
  });

  it('reads criteria and action lists by their label or heading, and nothing else', () => {
    const plan = load(
      [
        '# Plan',
        '## Objectives',
        '- an objective is not a criterion',
        '## Work',
        '**Deliverables:**',
        '- a deliverable is not a criterion',
        '',
        '**Acceptance:**',
        '- accepted when this holds',
        '',
        'Action Items:',
        '1. do this first',
        '2. then this',
        '### Definition of Done',
        '- shipped',
        '### Exit criteria',
        '1. **Security:**',
        '   - zero criticals',
        '   - keys rotated',
        '2. **Availability:** 99.9%',
        '',
      ].join('\n'),
    );
    expect(plan.criteria.map((c) => [c.text, c.section])).toEqual([
      ['accepted when this holds', 'Work'],
      ['do this first', 'Work'],
      ['then this', 'Work'],
      ['shipped', 'Work / Definition of Done'],
      ['Security: zero criticals', 'Work / Exit criteria'],
      ['Security: keys rotated', 'Work / Exit criteria'],
      ['Availability: 99.9%', 'Work / Exit criteria'],
    ]);
  });

  it('reads owners and evidence, from sub-items and from a section Owner line', () => {
    const plan = load(
      [
        '# Plan',
        '## Security',
        '**Owner:** Security Lead',
        '### Tasks',
        '- rotate keys',
        '- [ ] scan images',
        '  - Owner: Platform',
        '  - Evidence: trivy report',
        '  - Evidence: waiver list',
        '  - covers base images',
        '',
      ].join('\n'),
    );
    expect(plan.criteria).toEqual([
      expect.objectContaining({ text: 'rotate keys', owner: 'Security Lead' }),
      expect.objectContaining({
        text: 'scan images: covers base images',
        owner: 'Platform',
        evidence: ['trivy report', 'waiver list'],
      }),
    ]);
  });

  it('reads table rows when the table is a tracker or sits under a criteria heading', () => {
    const plan = load(
      [
        '# Plan',
        '## Risks',
        '| Risk | Mitigation |',
        '|---|---|',
        '| outage | failover |',
        '',
        '## Tracker',
        '| Item | Owner | Status |',
        '|---|---|---|',
        '| TLS everywhere | Sec | done |',
        '| Rate limits | Platform | in progress |',
        '| Backups | SRE | not started |',
        '| GPU | ML | deferred |',
        '',
      ].join('\n'),
    );
    expect(plan.criteria.map((c) => [c.text, c.owner, c.status, c.source?.line])).toEqual([
      ['TLS everywhere', 'Sec', 'done', 10],
      ['Rate limits', 'Platform', 'doing', 11],
      ['Backups', 'SRE', 'todo', 12],
      ['GPU', 'ML', 'deferred', 13],
    ]);
  });

  it('marks ✅ items done, items under a Deferred heading deferred, and "All Met" lists done', () => {
    const plan = load(
      [
        '# Plan',
        '## Now',
        '**Success Criteria:**',
        '- ✅ met already',
        '- still open',
        '',
        '**Success Criteria:** ✅ All Met',
        '- all of these',
        '',
        '## Later (Deferred)',
        '### Acceptance criteria',
        '- parked',
        '- [x] a ticked box keeps its box',
        '',
      ].join('\n'),
    );
    expect(plan.criteria.map((c) => [c.text, c.status])).toEqual([
      ['met already', 'done'],
      ['still open', 'todo'],
      ['all of these', 'done'],
      ['parked', 'deferred'],
      ['a ticked box keeps its box', 'done'],
    ]);
  });

  it('gives stable, unique ids from section and text', () => {
    const markdown = [
      '# Plan',
      '## 1) Reliability',
      '### Acceptance criteria',
      '- Graceful shutdown completes within 30s',
      '- Graceful shutdown completes within 30s',
      '## T-038: Health Checks',
      '- [ ] Graceful shutdown completes within 30s',
      '',
    ].join('\n');
    const ids = load(markdown).criteria.map((c) => c.id);
    expect(ids).toEqual([
      'reliability.graceful-shutdown-completes-30s',
      'reliability.graceful-shutdown-completes-30s-2',
      't-038-health-checks.graceful-shutdown-completes-30s',
    ]);
    expect(load(markdown).criteria.map((c) => c.id)).toEqual(ids);
  });

  it('keeps line numbers with CRLF line endings', () => {
    const plan = load('# Plan\r\n\r\n## Tasks\r\n- [x] one\r\n- [ ] two\r\n');
    expect(plan.criteria.map((c) => [c.text, c.source?.line])).toEqual([
      ['one', 4],
      ['two', 5],
    ]);
  });

  it('refuses an empty plan and one without criteria, with a one-line reason', () => {
    expect(() => load('  \n\n')).toThrow(ImportError);
    expect(() => load('# Title\n\nJust prose, no lists.\n')).toThrow(/no criteria found/);
    try {
      load('# Title\n\nprose\n');
    } catch (error) {
      expect((error as ImportError).code).toBe('BW_IMPORT_NO_CRITERIA');
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('names the plan after --name, else the title, and sets up one environment to fill in', () => {
    const titled = importMarkdownPlan(
      '# My Plan\n## Tasks\n- a\n',
      { sourcePath: 'docs/p.md' },
      registry,
    );
    expect(titled.plan).toMatchObject({
      format: 'bulwark.plan/v1',
      name: 'My Plan',
      source: 'docs/p.md',
      environments: { local: { services: [] } },
    });
    expect(titled.plan.waivers).toBeUndefined();
    const named = importMarkdownPlan(
      '## Tasks\n- a\n',
      { sourcePath: 'p.md', name: 'payments' },
      registry,
    );
    expect(named.plan.name).toBe('payments');
    expect(
      importMarkdownPlan('## Tasks\n- a\n', { sourcePath: 'dir/p.md' }, registry).plan.name,
    ).toBe('p');
  });
});
