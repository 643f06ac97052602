import type { Plan } from '../../plan/schema.js';
import { cadencedBindings, DRILL_PREFIX, isDrill } from './cadence.js';

/**
 * What `bulwark drill schedule` renders: one scheduled run per drill of the plan that has a
 * cadence (`bulwark drill NAME` runs every criterion binding drill.NAME, so a drill bound by
 * several criteria is one job, on the shortest of their cadences: the schedule must keep each
 * of them fresh).
 */
export interface DrillSchedule {
  /** `load` for drill.load: what `bulwark drill` takes. */
  readonly drill: string;
  readonly check: string;
  /** The shortest cadence the plan gives it, as written, and in ms. */
  readonly cadence: string;
  readonly cadenceMs: number;
  /** The criteria binding it with a cadence, in plan order. */
  readonly criteria: readonly string[];
}

export class ScheduleError extends Error {
  readonly code = 'BW_DRILL_SCHEDULE';
}

export function drillSchedules(plan: Plan): DrillSchedule[] {
  const byDrill = new Map<string, DrillSchedule>();
  for (const binding of cadencedBindings(plan)) {
    if (!isDrill(binding.check)) continue;
    const known = byDrill.get(binding.check);
    const shorter = !known || binding.cadenceMs < known.cadenceMs;
    byDrill.set(binding.check, {
      drill: binding.check.slice(DRILL_PREFIX.length),
      check: binding.check,
      cadence: shorter ? binding.cadence : (known as DrillSchedule).cadence,
      cadenceMs: shorter ? binding.cadenceMs : (known as DrillSchedule).cadenceMs,
      criteria: [...(known?.criteria ?? []), binding.criterion].filter(
        (id, i, all) => all.indexOf(id) === i,
      ),
    });
  }
  return [...byDrill.values()];
}

/** What runs in each job: the same command a person would type. */
export interface DrillCommand {
  readonly plan: string;
  readonly environment: string;
}

export function drillArgs(schedule: DrillSchedule, command: DrillCommand): string[] {
  return ['drill', schedule.drill, '--plan', command.plan, '--env', command.environment];
}

/** `bulwark-drill-load-staging`: a name valid for Kubernetes (DNS-1123, 52 characters for a CronJob) and systemd. */
export function jobName(schedule: DrillSchedule, environment: string): string {
  const name = `bulwark-drill-${schedule.drill}-${environment}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  // A CronJob's name leaves 11 characters for the Jobs' suffix (63 - 11).
  return name.slice(0, 52).replace(/-$/, '');
}
