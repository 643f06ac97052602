import PgBoss from 'pg-boss';
import type { JobRunner, JobScheduler } from './scheduler.js';
import type { JobRun, MemoryJobName } from './types.js';

export interface PgBossSchedulerOptions {
  runner: JobRunner;
  /** The PostgreSQL URL pg-boss keeps its queue in (its own schema). */
  connectionString: string;
  /** Cron expressions per job (pg-boss schedule, UTC); absent: not scheduled. */
  cron: Partial<Record<MemoryJobName, string>>;
  /** pg-boss's schema (default 'bulwark_memory_boss'). */
  schema?: string;
  /** A job that threw, or pg-boss's own errors ('scheduler'). */
  onError?: (job: MemoryJobName | 'scheduler', error: unknown) => void;
}

const queueName = (job: MemoryJobName) => `bulwark-memory-${job}`;

/**
 * The PostgreSQL scheduler: pg-boss keeps the schedule in the database, so one replica sends
 * each cron tick; the queues' 'singleton' policy lets one job be active at a time, so replicas
 * never run the same job concurrently. runNow runs in this process: the jobs' own advisory
 * lock (MemoryJobs) keeps it from overlapping a scheduled run elsewhere.
 */
export class PgBossScheduler implements JobScheduler {
  readonly kind = 'pg-boss' as const;
  readonly boss: PgBoss;
  readonly #options: PgBossSchedulerOptions;

  constructor(options: PgBossSchedulerOptions) {
    this.#options = options;
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      schema: options.schema ?? 'bulwark_memory_boss',
      max: 2,
      application_name: 'bulwark-memory-jobs',
    });
    this.boss.on('error', (error) => this.#options.onError?.('scheduler', error));
  }

  async start(): Promise<void> {
    await this.boss.start();
    for (const [job, cron] of Object.entries(this.#options.cron) as [MemoryJobName, string][]) {
      const name = queueName(job);
      await this.boss.createQueue(name, { name, policy: 'singleton', retryLimit: 0 });
      await this.boss.schedule(name, cron, {}, { tz: 'UTC' });
      await this.boss.work(name, async () => {
        try {
          await this.#options.runner.run(job);
        } catch (error) {
          this.#options.onError?.(job, error);
          throw error;
        }
      });
    }
  }

  runNow(job: MemoryJobName): Promise<JobRun[]> {
    return this.#options.runner.run(job);
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000 });
  }
}
