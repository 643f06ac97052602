import { type DependencyProbe, dependencyProbe, type Service } from '@bulwark/kit';
import type { MemoryJobName, MemoryJobs, MemoryJobsStatus } from '@bulwark/memory';

const JOBS: readonly MemoryJobName[] = ['retention', 'compression'];

/**
 * The jobs' status (each job's last run and the recall it measured, the memory count and
 * growth) in /health; @bulwark/memory's registerMemoryMetrics serves the same in /metrics. The
 * status takes a few queries, so it is read on the readiness round and after every run, never
 * on a /health request, which reads the copy.
 */
export class JobsMonitor {
  readonly #jobs: MemoryJobs;
  #last: MemoryJobsStatus | undefined;

  constructor(service: Service, jobs: MemoryJobs) {
    this.#jobs = jobs;
    service.addHealthReport('memory-jobs', () => this.#report());
  }

  /** Reads the status now. */
  async refresh(): Promise<MemoryJobsStatus> {
    this.#last = await this.#jobs.status();
    return this.#last;
  }

  /** A non-critical readiness probe that refreshes the status each round. */
  probe(): DependencyProbe {
    return dependencyProbe({ name: 'memory-jobs', critical: false }, () => this.refresh());
  }

  /** /health's `memory-jobs` section: warn when a job's last run failed. */
  #report() {
    const status = this.#last;
    if (status === undefined) return { status: 'pass' as const, measured: false };
    const failed = JOBS.filter((job) => status.jobs[job].lastRun?.outcome === 'failed');
    const jobs = Object.fromEntries(
      JOBS.map((job) => {
        const { lastRun, running, runs } = status.jobs[job];
        return [
          job,
          {
            running,
            runs,
            lastRun:
              lastRun === null
                ? null
                : {
                    finishedAt: lastRun.finishedAt.toISOString(),
                    namespace: lastRun.namespace,
                    outcome: lastRun.outcome,
                    recallBefore: lastRun.recallBefore,
                    recallAfter: lastRun.recallAfter,
                    threshold: lastRun.threshold,
                    affectedRows: lastRun.affectedRows,
                    reason: lastRun.reason,
                  },
          },
        ];
      }),
    );
    return {
      // A rolled-back run is the guard doing its job; a failed one wants a look.
      status: failed.length === 0 ? ('pass' as const) : ('warn' as const),
      jobs,
      memories: status.memories,
    };
  }
}
