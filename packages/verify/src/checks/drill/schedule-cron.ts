import { ScheduleError } from './schedule.js';

/**
 * A cadence as a cron schedule (UTC) that never leaves a gap longer than the cadence between two
 * runs, so a drill run on it never goes stale: the exact calendar period where there is one
 * (hourly, daily, weekly), else the longest step cron can express that still fits:
 *   under 1h: every k minutes, k the largest divisor of 60 not above the cadence (45m: every 30)
 *   under 1d: every k hours, k the largest divisor of 24 not above it (5h: every 4)
 *   1d daily; 7d Sundays; 2-30d every d days of the month (the month's last gap is shorter);
 *   31d and longer: the 1st of each month.
 * Not `@monthly` for 30d: months of 31 days would leave a 31-day gap.
 */
export interface CronSchedule {
  readonly expression: string;
  /** The longest time between two runs, in ms: never above the cadence. */
  readonly maxGapMs: number;
  /** `every 7 days (Sundays 00:00 UTC)`. */
  readonly description: string;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export function cronFor(cadence: string, cadenceMs: number): CronSchedule {
  if (cadenceMs < MINUTE) {
    throw new ScheduleError(`cadence ${cadence} is shorter than a minute, cron's smallest step`);
  }
  if (cadenceMs < HOUR) {
    const k = largestDivisorUpTo(60, Math.floor(cadenceMs / MINUTE));
    return {
      expression: k === 1 ? '* * * * *' : `*/${k} * * * *`,
      maxGapMs: k * MINUTE,
      description: k === 1 ? 'every minute' : `every ${k} minutes`,
    };
  }
  if (cadenceMs < DAY) {
    const k = largestDivisorUpTo(24, Math.floor(cadenceMs / HOUR));
    return {
      expression: k === 1 ? '0 * * * *' : `0 */${k} * * *`,
      maxGapMs: k * HOUR,
      description: k === 1 ? 'hourly, on the hour' : `every ${k} hours, on the hour`,
    };
  }
  const days = Math.floor(cadenceMs / DAY);
  if (days === 1) {
    return { expression: '0 0 * * *', maxGapMs: DAY, description: 'daily at 00:00 UTC' };
  }
  if (days === 7) {
    return { expression: '0 0 * * 0', maxGapMs: 7 * DAY, description: 'Sundays at 00:00 UTC' };
  }
  if (days <= 30) {
    return {
      expression: `0 0 */${days} * *`,
      maxGapMs: days * DAY,
      description: `every ${days} days of the month at 00:00 UTC (from the 1st)`,
    };
  }
  return {
    expression: '0 0 1 * *',
    maxGapMs: 31 * DAY,
    description: 'the 1st of each month at 00:00 UTC',
  };
}

function largestDivisorUpTo(of: number, most: number): number {
  for (let k = Math.min(of, most); k > 1; k--) if (of % k === 0) return k;
  return 1;
}
