import type { Database } from '@bulwark/db';
import { MemoryInputError } from './errors.js';
import { PgBossScheduler } from './pg-boss-scheduler.js';
import { InProcessScheduler, type JobRunner, type JobScheduler } from './scheduler.js';
import type { MemoryJobName } from './types.js';

export interface CreateJobSchedulerOptions {
  runner: JobRunner;
  /** How often each job runs: milliseconds in-process; pg-boss gets the same as a cron. */
  intervalsMs: Partial<Record<MemoryJobName, number>>;
  /** PostgreSQL only, required there: the URL pg-boss uses (Database.displayUrl has no password). */
  connectionString?: string;
  /** A scheduled run that threw, or (pg-boss) the queue's own errors: 'scheduler'. */
  onError?: (job: MemoryJobName | 'scheduler', error: unknown) => void;
}

/** Whole minutes as a cron (pg-boss's resolution is a minute; under a minute rounds up). */
export function cronEvery(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `*/${minutes} * * * *`;
  const hours = Math.max(1, Math.round(minutes / 60));
  return hours < 24 ? `0 */${hours} * * *` : '0 3 * * *';
}

/** pg-boss on PostgreSQL, the in-process scheduler on PGlite. */
export function createJobScheduler(db: Database, options: CreateJobSchedulerOptions): JobScheduler {
  const url = options.connectionString;
  if (db.kind === 'postgres') {
    if (!url)
      throw new MemoryInputError('a PostgreSQL database needs connectionString for pg-boss');
    const cron: Partial<Record<MemoryJobName, string>> = {};
    for (const [job, ms] of Object.entries(options.intervalsMs) as [MemoryJobName, number][]) {
      if (ms > 0) cron[job] = cronEvery(ms);
    }
    return new PgBossScheduler({
      runner: options.runner,
      connectionString: url,
      cron,
      onError: options.onError,
    });
  }
  return new InProcessScheduler({
    runner: options.runner,
    intervalsMs: options.intervalsMs,
    onError: options.onError,
  });
}
