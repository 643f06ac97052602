import { isDeepStrictEqual } from 'node:util';
import type { CriterionRecord } from '../evidence/model.js';
import type { Criterion, Plan, PlanWaiver, PromotionGate } from '../plan/schema.js';
import { waiversFor } from '../waivers/plan-waivers.js';
import type { GateBlocker, GateSatisfied } from './decision.js';

/** Criterion ids a gate requires: `all` is every criterion not marked `required: false`. */
export function requiredCriteria(plan: Plan, gate: PromotionGate): string[] {
  return gate.require === 'all'
    ? plan.criteria.filter((c) => c.required !== false).map((c) => c.id)
    : [...gate.require];
}

/**
 * Whether the evidence for a criterion still describes the plan's criterion. The plan file may
 * change after a run (a new waiver, a reworded section, another criterion), so the plan's
 * digest is not compared; but evidence only counts for a criterion whose text is unchanged and
 * whose every check binding ran with the parameters the plan now gives it, so a tightened
 * threshold or an added check needs fresh evidence. Only the keys of the binding's `with` are
 * compared: the loader fills in the plugin's defaults there, and the record holds the same.
 */
export function planDrift(criterion: Criterion, record: CriterionRecord): string | undefined {
  if (criterion.text !== record.text) {
    return `criterion ${criterion.id}'s text changed since the evidence was taken`;
  }
  for (const binding of criterion.checks ?? []) {
    const ran = record.checks.filter((c) => c.check === binding.check);
    if (ran.length === 0) {
      return `criterion ${criterion.id} binds ${binding.check}, which the evidence did not run`;
    }
    const wanted = Object.entries(binding.with ?? {});
    const matches = ran.some((c) =>
      wanted.every(([key, value]) => isDeepStrictEqual(c.params[key], value)),
    );
    if (!matches) {
      return `criterion ${criterion.id}'s ${binding.check} parameters changed since the evidence was taken`;
    }
  }
  return undefined;
}

/**
 * One required criterion against its evidence, with the plan's waivers as they stand now (a
 * waiver that expired after the run waives nothing). Warn passes and is listed. Any other
 * verdict passes only under an active waiver; a pass whose checks all skipped is not a pass.
 */
export function judgeCriterion(
  plan: Plan,
  id: string,
  record: CriterionRecord | undefined,
  environment: string,
  now: Date,
): GateBlocker | GateSatisfied {
  const criterion = plan.criteria.find((c) => c.id === id);
  if (!criterion) {
    return {
      criterion: id,
      code: 'wrong-plan',
      message: `the gate requires ${id}, which the plan does not define`,
    };
  }
  if (!record) {
    return {
      criterion: id,
      code: 'skipped',
      message: 'never ran: the evidence bundle has no result for it',
    };
  }
  const drift = planDrift(criterion, record);
  if (drift) return { criterion: id, code: 'wrong-plan', message: `${drift}: run verify again` };

  const { active, expired } = waiversFor(plan, id, environment, now);
  const verdict = record.verdict;
  if (verdict === 'pass' || verdict === 'warn') {
    if (!record.checks.some((c) => c.status === 'pass' || c.status === 'warn')) {
      return {
        criterion: id,
        code: 'skipped',
        message: `recorded as ${verdict}, but none of its checks ran`,
      };
    }
    return { criterion: id, verdict, via: 'evidence' };
  }
  if (active) return { criterion: id, verdict, via: describeWaiver(active) };
  if (expired.length > 0) {
    const newest = expired[expired.length - 1] as PlanWaiver;
    return {
      criterion: id,
      code: 'expired-waiver',
      message: `${verdict === 'waived' ? 'waived' : `${verdict} (${record.reason})`}, and its waiver (${newest.owner}, approved by ${newest.approver}) expired ${newest.expires}`,
    };
  }
  switch (verdict) {
    case 'waived':
      return {
        criterion: id,
        code: 'waiver-missing',
        message: `the evidence relies on a waiver${record.waiver ? ` by ${record.waiver.owner}` : ''} that the plan no longer holds`,
      };
    case 'fail':
    case 'error':
      return { criterion: id, code: 'failing', message: `${verdict}: ${record.reason}` };
    case 'skip':
      return { criterion: id, code: 'skipped', message: `skipped: ${record.reason}` };
    case 'manual':
      return { criterion: id, code: 'skipped', message: `manual, not attested: ${record.reason}` };
  }
}

const describeWaiver = (w: PlanWaiver): string =>
  `waiver by ${w.owner}, approved by ${w.approver}, risk ${w.risk}, expires ${w.expires}`;
