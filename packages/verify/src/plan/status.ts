import { type CadenceState, cadenceStates, describeCadence } from '../checks/drill/cadence.js';
import type { CriterionVerdict, EvidenceBundle } from '../evidence/model.js';
import { formatDuration } from './duration.js';
import type { CriterionStatus, Plan } from './schema.js';

/**
 * `bulwark plan status`: the plan as a tracker. Each criterion with the status the plan gives it
 * (the markdown's checkbox), what the newest evidence says (its verdict and why) and how old
 * that evidence is. Without a bundle, the plan's own evidence lines are shown and no verdict.
 */
export interface StatusRow {
  readonly id: string;
  readonly text: string;
  readonly section?: string;
  readonly owner?: string;
  readonly planStatus: CriterionStatus;
  /** The checks bound to it; empty for a manual criterion. */
  readonly checks: readonly string[];
  /** Absent when the bundle did not judge it (or there is no bundle). */
  readonly verdict?: CriterionVerdict;
  /** The last evidence: the bundle's one-line reason, else the plan's last evidence line. */
  readonly evidence?: string;
  /** When that evidence was gathered (the bundle's finish time). */
  readonly evidenceAt?: string;
  readonly ageMs?: number;
  /**
   * Its bindings with a cadence (drills, usually): when each last ran in the bundle and whether
   * that is older than the cadence. Absent when none of its bindings has a cadence.
   */
  readonly cadences?: readonly CadenceState[];
}

export function planStatus(plan: Plan, bundle: EvidenceBundle | undefined, now: Date): StatusRow[] {
  const records = new Map((bundle?.criteria ?? []).map((record) => [record.id, record]));
  const finished = bundle ? Date.parse(bundle.finishedAt) : Number.NaN;
  const cadences = cadenceStates(plan, bundle, now);
  return plan.criteria.map((criterion) => {
    const own = cadences.filter((state) => state.criterion === criterion.id);
    const record = records.get(criterion.id);
    const planEvidence = criterion.evidence?.at(-1);
    const evidence = record ? record.reason : planEvidence;
    return {
      id: criterion.id,
      text: criterion.text,
      ...(criterion.section ? { section: criterion.section } : {}),
      ...(criterion.owner ? { owner: criterion.owner } : {}),
      planStatus: criterion.status,
      checks: (criterion.checks ?? []).map((binding) => binding.check),
      ...(record ? { verdict: record.verdict } : {}),
      ...(evidence ? { evidence } : {}),
      ...(record && bundle ? { evidenceAt: bundle.finishedAt } : {}),
      ...(record && !Number.isNaN(finished)
        ? { ageMs: Math.max(0, now.getTime() - finished) }
        : {}),
      ...(own.length > 0 ? { cadences: own } : {}),
    };
  });
}

export interface StatusSummary {
  readonly criteria: number;
  readonly byPlanStatus: Readonly<Record<CriterionStatus, number>>;
  /** Verdicts of the criteria the bundle judged; `unjudged` counts the rest. */
  readonly byVerdict: Readonly<Partial<Record<CriterionVerdict | 'unjudged', number>>>;
}

export function summarizeStatus(rows: readonly StatusRow[]): StatusSummary {
  const byPlanStatus: Record<CriterionStatus, number> = { todo: 0, doing: 0, done: 0, deferred: 0 };
  const byVerdict: Partial<Record<CriterionVerdict | 'unjudged', number>> = {};
  for (const row of rows) {
    byPlanStatus[row.planStatus] += 1;
    const key = row.verdict ?? 'unjudged';
    byVerdict[key] = (byVerdict[key] ?? 0) + 1;
  }
  return { criteria: rows.length, byPlanStatus, byVerdict };
}

/** The console table's columns, in order. */
export const STATUS_COLUMNS = ['ID', 'PLAN', 'VERDICT', 'CHECKS', 'OWNER', 'LAST EVIDENCE', 'AGE'];

const MAX_EVIDENCE_CELL = 80;

/** One row's cells for STATUS_COLUMNS, plain text (the CLI colours the verdict). */
export function statusCells(row: StatusRow): string[] {
  const evidence = row.evidence ?? '-';
  return [
    row.id,
    row.planStatus,
    row.verdict ?? '-',
    row.checks.length > 0 ? row.checks.join(', ') : 'manual',
    row.owner ?? '-',
    evidence.length > MAX_EVIDENCE_CELL ? `${evidence.slice(0, MAX_EVIDENCE_CELL - 1)}…` : evidence,
    ageCell(row),
  ];
}

/** The evidence's age, and any stale cadence: `3h; stale: drill.load 12d 3h old, cadence 7d`. */
function ageCell(row: StatusRow): string {
  const age = row.ageMs === undefined ? '-' : formatDuration(row.ageMs);
  const stale = (row.cadences ?? []).filter((state) => state.stale);
  if (stale.length === 0) return age;
  return `${age}; stale: ${stale.map((state) => `${state.check} ${describeCadence(state)}`).join(', ')}`;
}
