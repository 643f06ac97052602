import { ConfigRegistryError } from '../errors.js';

/**
 * How far a stage reaches, counted over all the instances known when the rollout starts and
 * including the stages before it: `{ count: 1 }` is one instance, `{ share: 0.5 }` half of them
 * (rounded up, so never none).
 */
export type StageSize = { readonly count: number } | { readonly share: number };

/** One instance, then half, then all. */
export const DEFAULT_STAGE_PLAN: readonly StageSize[] = [
  { count: 1 },
  { share: 0.5 },
  { share: 1 },
];

/**
 * The instances each stage sends the new version to, in order. Stages that would add nobody
 * (with two instances, "one" and "half" are the same one) are dropped, and the last stage always
 * reaches every instance: a rollout that completes leaves no instance on the old version. The
 * instances are taken in sorted order, so a plan gives the same stages on every run.
 */
export function planStages(plan: readonly StageSize[], instances: readonly string[]): string[][] {
  checkPlan(plan);
  const sorted = [...new Set(instances)].sort();
  const total = sorted.length;
  const stages: string[][] = [];
  let reached = 0;
  for (const size of plan) {
    const wanted = 'count' in size ? size.count : Math.ceil(size.share * total);
    const upTo = Math.min(total, Math.max(reached, wanted));
    if (upTo > reached) stages.push(sorted.slice(reached, upTo));
    reached = upTo;
  }
  if (reached < total) stages.push(sorted.slice(reached));
  return stages;
}

/** CONFIG_ROLLOUT_INVALID for a plan no rollout could follow. */
export function checkPlan(plan: readonly StageSize[]): void {
  if (plan.length === 0 || plan.length > 20) {
    throw invalid('a stage plan has 1 to 20 stages');
  }
  for (const [index, size] of plan.entries()) {
    if ('count' in size) {
      if (!Number.isSafeInteger(size.count) || size.count < 1) {
        throw invalid(`stage ${index + 1}: count must be a whole number >= 1`);
      }
    } else if (!(typeof size.share === 'number' && size.share > 0 && size.share <= 1)) {
      throw invalid(`stage ${index + 1}: share must be more than 0 and at most 1`);
    }
  }
}

function invalid(message: string): ConfigRegistryError {
  return new ConfigRegistryError('CONFIG_ROLLOUT_INVALID', message);
}
