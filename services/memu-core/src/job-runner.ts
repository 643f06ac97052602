import type { Logger } from '@bulwark/kit';
import type { JobRun, JobRunner, MemoryJobName, MemoryJobs } from '@bulwark/memory';
import type { JobsMonitor } from './jobs-monitor.js';
import type { MemoryRecorder } from './ledger-recorder.js';

/**
 * What the scheduler (and POST /v1/jobs/{job}/run, through it) runs: the store's guarded job,
 * then a ledger entry for each run that changed something (`memory.job`: run id, namespace,
 * rows affected, recall before and after), then a fresh status for /health. A job's change
 * commits inside the store's own guarded transaction, so its entry follows the change rather
 * than preceding it; when the ledger refuses, the run stands and the failure is logged.
 */
export class LedgeredJobRunner implements JobRunner {
  readonly #jobs: MemoryJobs;
  readonly #recorder: MemoryRecorder;
  readonly #monitor: JobsMonitor;
  readonly #logger: Logger;

  constructor(jobs: MemoryJobs, recorder: MemoryRecorder, monitor: JobsMonitor, logger: Logger) {
    this.#jobs = jobs;
    this.#recorder = recorder;
    this.#monitor = monitor;
    this.#logger = logger;
  }

  async run(job: MemoryJobName): Promise<JobRun[]> {
    const runs = await this.#jobs.run(job);
    for (const run of runs) {
      this.#logger.info(
        {
          job,
          namespace: run.namespace,
          outcome: run.outcome,
          recall_before: run.recallBefore,
          recall_after: run.recallAfter,
          affected_rows: run.affectedRows,
          reason: run.reason,
        },
        `memory ${job} ${run.outcome}`,
      );
    }
    const changed = runs.filter((run) => run.outcome === 'committed' && run.affectedRows > 0);
    await this.#recorder
      .record(
        changed.map((run) => ({
          kind: 'memory.job' as const,
          actor: 'memu-core',
          payload: {
            runId: run.id,
            job: run.job,
            namespace: run.namespace,
            affectedRows: run.affectedRows,
            recallBefore: run.recallBefore,
            recallAfter: run.recallAfter,
            threshold: run.threshold,
          },
        })),
      )
      .catch((err) =>
        this.#logger.error({ err, job }, 'a committed job run could not be recorded in the ledger'),
      );
    await this.#monitor.refresh().catch(() => undefined);
    return runs;
  }
}
