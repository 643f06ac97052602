import { Gauge, type Registry } from 'prom-client';
import type { JobOutcome, MemoryJobName, MemoryJobsStatus } from './types.js';

/** Anything that reports the jobs' status: MemoryJobs. */
export interface MemoryStatusSource {
  status(): Promise<MemoryJobsStatus>;
}

type JobStatus = MemoryJobsStatus['jobs'][MemoryJobName];
const jobsOf = (status: MemoryJobsStatus) =>
  Object.entries(status.jobs) as [MemoryJobName, JobStatus][];

/**
 * The memory jobs' metrics, all read from one status() call per scrape:
 *   bulwark_memory_job_last_run_timestamp_seconds{job}
 *   bulwark_memory_job_last_recall{job,phase="before"|"after"}
 *   bulwark_memory_job_last_outcome{job,outcome} (1 for the last run's outcome, else 0)
 *   bulwark_memory_job_runs{job,outcome} (runs recorded in memory_job_runs)
 *   bulwark_memory_memories{state="live"|"superseded"|"forgotten"}
 *   bulwark_memory_recorded_last_day (growth)
 */
export function registerMemoryMetrics(registry: Registry, source: MemoryStatusSource): void {
  // A scrape collects every gauge concurrently: they share one status() query.
  let pending: Promise<MemoryJobsStatus> | undefined;
  const current = () => {
    if (!pending) {
      pending = source.status();
      const clear = () => {
        setTimeout(() => {
          pending = undefined;
        }, 50).unref();
      };
      pending.then(clear, clear);
    }
    return pending;
  };
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (g: Gauge<string>, status: MemoryJobsStatus) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const status = await current();
        this.reset();
        fill(this, status);
      },
    });

  gauge(
    'bulwark_memory_job_last_run_timestamp_seconds',
    'When each memory job last finished (Unix seconds)',
    ['job'],
    (g, s) => {
      for (const [job, j] of jobsOf(s)) {
        if (j.lastRun) g.set({ job }, j.lastRun.finishedAt.getTime() / 1000);
      }
    },
  );
  gauge(
    'bulwark_memory_job_last_recall',
    'recall@k the last run of each memory job measured, before and after its change',
    ['job', 'phase'],
    (g, s) => {
      for (const [job, j] of jobsOf(s)) {
        if (j.lastRun?.recallBefore != null)
          g.set({ job, phase: 'before' }, j.lastRun.recallBefore);
        if (j.lastRun?.recallAfter != null) g.set({ job, phase: 'after' }, j.lastRun.recallAfter);
      }
    },
  );
  gauge(
    'bulwark_memory_job_last_outcome',
    "The last run's outcome per memory job (1 for the outcome it had)",
    ['job', 'outcome'],
    (g, s) => {
      for (const [job, j] of jobsOf(s)) {
        for (const o of Object.keys(j.runs) as JobOutcome[]) {
          g.set({ job, outcome: o }, j.lastRun?.outcome === o ? 1 : 0);
        }
      }
    },
  );
  gauge(
    'bulwark_memory_job_runs',
    'Memory job runs recorded, by outcome',
    ['job', 'outcome'],
    (g, s) => {
      for (const [job, j] of jobsOf(s)) {
        for (const [o, n] of Object.entries(j.runs)) g.set({ job, outcome: o }, n);
      }
    },
  );
  gauge('bulwark_memory_memories', 'Memories by state', ['state'], (g, s) => {
    g.set({ state: 'live' }, s.memories.live);
    g.set({ state: 'superseded' }, s.memories.superseded);
    g.set({ state: 'forgotten' }, s.memories.forgotten);
  });
  gauge(
    'bulwark_memory_recorded_last_day',
    'Memories recorded in the last 24 hours',
    [],
    (g, s) => {
      g.set(s.memories.recordedLastDay);
    },
  );
}
