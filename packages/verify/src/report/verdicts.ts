import type { CriterionVerdict } from '../evidence/model.js';

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
