import type { CriterionRecord, CriterionVerdict, EvidenceBundle } from './model.js';

/**
 * The rules about verdicts that the runner, the reports and the gate share, in one place.
 *
 * Every verdict, worst first: the order reports list them in, so the counts line, the HTML
 * chips and the JUnit totals agree.
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

/** A required criterion is met by pass, warn (met, with something worth a look) or waived. */
export function meetsRequirement(verdict: CriterionVerdict): boolean {
  return verdict === 'pass' || verdict === 'warn' || verdict === 'waived';
}

/** Required criteria that keep the bundle from being ok, in plan order. */
export function blockers(bundle: Pick<EvidenceBundle, 'criteria'>): CriterionRecord[] {
  return bundle.criteria.filter((c) => c.required && !meetsRequirement(c.verdict));
}

/** Counts by verdict, every verdict present (zeros included). */
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
