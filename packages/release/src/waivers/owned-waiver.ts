import { expiryState } from '@bulwark/verify';
import type { AppliedWaiver } from '../model.js';

/**
 * The waiver model `bulwark audit` uses, for release findings: an exception names what it covers
 * and carries an owner, a reason and an expiry. A waiver missing any of them waives nothing and
 * is itself a finding; so is one past its expiry; one ending within the warning window warns.
 */
export interface OwnedWaiver {
  /** What it covers: a secret's fingerprint, an advisory id (GHSA-…) with its package, … */
  readonly id: string;
  readonly owner?: string;
  readonly reason?: string;
  /** `YYYY-MM-DD` (the whole day, UTC) or an RFC 3339 time. */
  readonly expires?: string;
  /** Where the waiver is written (`file:line`), for the finding a bad waiver becomes. */
  readonly location?: string;
}

export type WaiverJudgement =
  | { readonly usable: true; readonly applied: AppliedWaiver }
  | { readonly usable: false; readonly problem: string };

export const DEFAULT_EXPIRY_WARNING_DAYS = 14;

/** Whether `waiver` may waive a finding now, and if not, the one-line reason. */
export function judgeWaiver(
  waiver: OwnedWaiver,
  now: Date,
  warningDays = DEFAULT_EXPIRY_WARNING_DAYS,
): WaiverJudgement {
  const missing = (['owner', 'reason', 'expires'] as const).filter(
    (field) => !waiver[field]?.trim(),
  );
  const where = waiver.location ? ` (${waiver.location})` : '';
  if (missing.length > 0) {
    return {
      usable: false,
      problem: `waiver for ${waiver.id}${where} has no ${missing.join(', ')}: it waives nothing`,
    };
  }
  const { owner, reason, expires } = waiver as Required<OwnedWaiver>;
  const state = expiryState(expires, now, warningDays * 86_400_000);
  if (state === 'expired') {
    return {
      usable: false,
      problem: `waiver for ${waiver.id}${where} (owner ${owner}) expired on ${expires}: it waives nothing`,
    };
  }
  return { usable: true, applied: { owner, reason, expires, state } };
}
