import type { Service } from '@bulwark/kit';
import type { MemoryJobName, MemoryJobs } from '@bulwark/memory';
import { presentJobRun } from '../present.js';
import { JobParams, JobRunReply } from './schemas.js';
import { SCOPES } from './scopes.js';

/** Runs a job and reports what it did (the scheduler and the route share it). */
export type RunJob = (job: MemoryJobName) => ReturnType<MemoryJobs['run']>;

/** POST /v1/jobs/{job}/run: retention or compression on demand, guarded by recall. */
export function registerJobRoutes(service: Service, runJob: RunJob): void {
  service.app.post<{ Params: { job: MemoryJobName } }>(
    '/v1/jobs/:job/run',
    {
      schema: {
        summary: 'Run the retention or the compression job now',
        description:
          'Per namespace, in one transaction: recall@10 of the golden queries against exact search is measured before and after the change; when it falls below the threshold the change is rolled back and the run says why. A run of the same job already in progress makes this one `skipped`.',
        tags: ['jobs'],
        params: JobParams,
        response: { 200: JobRunReply },
      },
      config: { auth: SCOPES.memoriesWrite },
    },
    async (request) => {
      const { job } = request.params;
      const runs = await runJob(job);
      return { job, runs: runs.map(presentJobRun) };
    },
  );
}
