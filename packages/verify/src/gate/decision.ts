import type { CriterionVerdict } from '../evidence/model.js';

/**
 * Why a promotion is blocked; stable strings that scripts may match on.
 * - no-gate: the plan has no gate by that name (a usage error in the CLI)
 * - no-evidence: no bundle from the gate's source environment
 * - bad-signature, unknown-key: bundle.json's signature does not verify, or its key is not trusted
 * - altered: bundle.json or an artifact differs from what was signed
 * - wrong-environment, wrong-plan: the evidence is of another environment or plan, or of a
 *   criterion whose text or checks have changed since
 * - stale: older than the gate's maxEvidenceAge (or dated in the future)
 * - failing: a required criterion failed or errored, with no waiver
 * - skipped: a required criterion skipped, stayed manual, or never ran
 * - expired-waiver: the only waiver that could let the criterion through has expired
 * - waiver-missing: the evidence says waived, but the plan no longer holds that waiver
 * - stale-drill: a required criterion's drill (a binding with a `cadence`) last ran longer ago
 *   than its cadence, or did not run in the bundle
 */
export const BLOCKER_CODES = [
  'no-gate',
  'no-evidence',
  'bad-signature',
  'unknown-key',
  'altered',
  'wrong-environment',
  'wrong-plan',
  'stale',
  'failing',
  'skipped',
  'expired-waiver',
  'waiver-missing',
  'stale-drill',
] as const;
export type BlockerCode = (typeof BLOCKER_CODES)[number];

export interface GateBlocker {
  /** The criterion it concerns; absent for what concerns the whole bundle. */
  readonly criterion?: string;
  readonly code: BlockerCode;
  /** One line: what is wrong and, where it helps, what to do. */
  readonly message: string;
}

export interface GateSatisfied {
  readonly criterion: string;
  /** pass, warn (passes, and is listed so it is seen) or the verdict a waiver covers. */
  readonly verdict: CriterionVerdict;
  /** `evidence`, or the waiver it relies on. */
  readonly via: string;
  /** The bundle that proved it, when not the newest one (a partial run's criteria). */
  readonly bundle?: string;
}

export interface GateDecision {
  /** Go: no blockers. */
  readonly ok: boolean;
  readonly gate: string;
  /** The environment whose evidence decides (absent only for no-gate). */
  readonly from?: string;
  readonly maxEvidenceAge?: string;
  /** The criterion ids the gate requires. */
  readonly required: readonly string[];
  readonly bundle?: {
    readonly dir: string;
    readonly id: string;
    readonly finishedAt: string;
    readonly ageMs: number;
    readonly signedBy?: string;
  };
  readonly blockers: readonly GateBlocker[];
  readonly satisfied: readonly GateSatisfied[];
}
