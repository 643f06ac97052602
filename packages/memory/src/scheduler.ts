import type { JobRun, MemoryJobName } from './types.js';

/** What a scheduler runs: MemoryJobs, or anything with the same `run`. */
export interface JobRunner {
  run(job: MemoryJobName): Promise<JobRun[]>;
}

/** Runs the memory jobs on a schedule, and on demand. */
export interface JobScheduler {
  readonly kind: 'in-process' | 'pg-boss';
  start(): Promise<void>;
  /** Runs the job now (waiting for a scheduled run in progress first, in-process). */
  runNow(job: MemoryJobName): Promise<JobRun[]>;
  /** Stops scheduling and waits for a run in progress. */
  close(): Promise<void>;
}

export interface InProcessSchedulerOptions {
  runner: JobRunner;
  /** Milliseconds between the end of one run and the start of the next; absent: not scheduled. */
  intervalsMs: Partial<Record<MemoryJobName, number>>;
  /** A scheduled run that threw (runs that roll back do not throw). */
  onError?: (job: MemoryJobName, error: unknown) => void;
}

/**
 * The embedded store's scheduler (PGlite has one connection and no job queue): timers in this
 * process, one run at a time across all jobs (runs queue behind each other), stopped by close().
 */
export class InProcessScheduler implements JobScheduler {
  readonly kind = 'in-process' as const;
  readonly #options: InProcessSchedulerOptions;
  readonly #timers = new Map<MemoryJobName, NodeJS.Timeout>();
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: InProcessSchedulerOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    for (const [job, ms] of Object.entries(this.#options.intervalsMs) as [
      MemoryJobName,
      number,
    ][]) {
      if (ms > 0) this.#arm(job, ms);
    }
  }

  #arm(job: MemoryJobName, ms: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.runNow(job)
        .catch((error) => this.#options.onError?.(job, error))
        .finally(() => this.#arm(job, ms));
    }, ms);
    // A scheduled job never keeps the process alive on its own.
    timer.unref();
    this.#timers.set(job, timer);
  }

  runNow(job: MemoryJobName): Promise<JobRun[]> {
    if (this.#closed) return Promise.reject(new Error('the scheduler is closed'));
    const run = this.#chain.then(() => this.#options.runner.run(job));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#chain;
  }
}
