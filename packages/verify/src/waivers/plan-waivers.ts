import type { Plan, PlanWaiver } from '../plan/schema.js';
import { expiryState } from './expiry.js';

export interface WaiverLookup {
  /** The waiver that covers the criterion now, if any. */
  readonly active?: PlanWaiver;
  /** Waivers for the criterion that have run out: they waive nothing, and a gate names them. */
  readonly expired: readonly PlanWaiver[];
}

/** The plan's waivers for one criterion in one environment, split into usable and expired. */
export function waiversFor(
  plan: Plan,
  criterionId: string,
  environment: string,
  now: Date,
): WaiverLookup {
  const matching = (plan.waivers ?? []).filter(
    (w) =>
      w.criterion === criterionId &&
      (w.environments === undefined || w.environments.includes(environment)),
  );
  const expired = matching.filter((w) => expiryState(w.expires, now, 0) === 'expired');
  const active = matching.find((w) => !expired.includes(w));
  return active ? { active, expired } : { expired };
}
