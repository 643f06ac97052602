import { describe, expect, it } from 'vitest';
import {
  bindings,
  countByStatus,
  expectSourceLinesHoldTheirText,
  importSharedPlan,
  readSharedPlan,
  validated,
} from './plan-shared-plans.js';

const FILE = '004_5f1834c59f514800.txt';

// A status tracker: a legend of `[ ]` `[~]` `[x]` `[-]` (in code spans: not items), checkbox items
// with "Owner:" and "Evidence:" sub-items, one with a nested list, and a numbered session queue.
describe('plan import: the trading services tracker (004)', () => {
  const result = importSharedPlan(FILE);
  const { plan } = result;

  it('imports the 21 tracker items and the 5 queued actions, not the legend or the how-to', () => {
    expect(plan.criteria).toHaveLength(26);
    expect(countByStatus(plan)).toEqual({ todo: 26 });
    expect(plan.criteria.filter((c) => c.id.startsWith('current-session-queue.'))).toHaveLength(5);
    expect(plan.criteria.some((c) => /Not started|Read this file first/.test(c.text))).toBe(false);
  });

  it('binds no check: nothing in it is something a built-in check measures', () => {
    expect(bindings(plan)).toEqual([]);
    expect(result.manual).toHaveLength(26);
    expect(
      result.manual.find((m) => m.criterion === 'immediate.add-critical-business-flow-daily-checks')
        ?.reason,
    ).toBe('it asks for more than the probe endpoints answer');
  });

  it('takes owner and evidence from the sub-items, and folds other sub-items into the text', () => {
    const e2e = plan.criteria.find((c) => c.source?.line === 48);
    expect(e2e).toMatchObject({
      id: 'short-term.build-mandatory-e2e-suite-user-service',
      text: 'Build mandatory E2E suite for: user_service -> token_manager credential flow; token refresher schedule/recovery; comms delivery (SMTP + Telegram); calendar/ticker market-session path',
      owner: 'QA + Dev Lead',
      evidence: ['CI job + test reports'],
      section: 'Short Term (2-6 weeks)',
      status: 'todo',
    });
    expect(plan.criteria.filter((c) => c.owner !== undefined)).toHaveLength(21);
  });

  it('validates as a plan, and every criterion points at its line', () => {
    expect(validated(plan).criteria).toHaveLength(26);
    expectSourceLinesHoldTheirText(result, readSharedPlan(FILE));
  });
});
