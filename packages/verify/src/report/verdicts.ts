import type { CriterionRecord, CriterionVerdict, EvidenceBundle } from '../evidence/model.js';

/**
 * The order every report lists verdicts in, worst first, so the counts line, the HTML chips and
 * the JUnit totals agree. A runner's `byVerdict` may lack a key (an older bundle); reports count
 * what is there.
 */
export const VERDICT_ORDER: readonly CriterionVerdict[] = [
  'fail',
  'error',
  'manual',
  'skip',
  'warn',
  'waived',
  'pass',
];

/** A glyph beside the word, never instead of it: the word carries the meaning without colour. */
export const VERDICT_MARK: Readonly<Record<CriterionVerdict, string>> = {
  pass: '✓',
  fail: '✗',
  error: '!',
  warn: '▲',
  skip: '-',
  manual: '?',
  waived: '≈',
};

/** What a verdict means, for tooltips and legends. */
export const VERDICT_MEANING: Readonly<Record<CriterionVerdict, string>> = {
  pass: 'every check passed',
  fail: 'a check found the criterion not met',
  error: 'a check broke and could not judge',
  warn: 'met, with something worth a look',
  skip: 'a check could not run; never a pass',
  manual: 'needs a signed attestation from a person',
  waived: 'not met, covered by an unexpired waiver',
};

/** The runner's rule (checks/run-plan.ts): a required criterion is met by pass, warn or waived. */
export function meetsRequirement(verdict: CriterionVerdict): boolean {
  return verdict === 'pass' || verdict === 'warn' || verdict === 'waived';
}

/** Required criteria that keep the bundle from being ok, in plan order. */
export function blockers(bundle: EvidenceBundle): CriterionRecord[] {
  return bundle.criteria.filter((c) => c.required && !meetsRequirement(c.verdict));
}

/** Counts by verdict from the criteria themselves, every verdict present (zeros included). */
export function countVerdicts(
  criteria: readonly CriterionRecord[],
): Record<CriterionVerdict, number> {
  const counts = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as Record<
    CriterionVerdict,
    number
  >;
  for (const criterion of criteria) counts[criterion.verdict]++;
  return counts;
}

/** Better or worse, for trend marks: pass best, then waived/warn, then the ones nobody judged, then failures. */
const RANK: Readonly<Record<CriterionVerdict, number>> = {
  pass: 0,
  warn: 1,
  waived: 2,
  manual: 3,
  skip: 3,
  error: 4,
  fail: 4,
};

export type VerdictChange = 'better' | 'worse' | 'same';

export function compareVerdicts(before: CriterionVerdict, after: CriterionVerdict): VerdictChange {
  if (RANK[after] < RANK[before]) return 'better';
  if (RANK[after] > RANK[before]) return 'worse';
  return 'same';
}
