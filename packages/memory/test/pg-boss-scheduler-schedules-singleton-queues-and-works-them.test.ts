import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, expect, it } from 'vitest';
import { type JobRun, type MemoryJobName, PgBossScheduler } from '../src/index.js';

const postgres = privatePostgresPart();
let server: PrivateServer | undefined;
afterAll(async () => {
  await server?.remove();
});

it.skipIf(!postgres.available)(
  'creates singleton queues with cron schedules, works queued jobs, and runs on demand',
  async () => {
    server = await startPrivatePostgres();
    const calls: MemoryJobName[] = [];
    const runner = {
      async run(job: MemoryJobName): Promise<JobRun[]> {
        calls.push(job);
        return [];
      },
    };
    const scheduler = new PgBossScheduler({
      runner,
      connectionString: server.url,
      cron: { retention: '*/15 * * * *', compression: '0 3 * * *' },
    });
    await scheduler.start();
    try {
      const schedules = await scheduler.boss.getSchedules();
      expect(schedules.map((s) => [s.name, s.cron]).sort()).toEqual([
        ['bulwark-memory-compression', '0 3 * * *'],
        ['bulwark-memory-retention', '*/15 * * * *'],
      ]);
      const queue = await scheduler.boss.getQueue('bulwark-memory-retention');
      expect(queue?.policy).toBe('singleton');

      // What a cron tick does: a job lands in the queue and this process's worker runs it.
      await scheduler.boss.send('bulwark-memory-retention', {});
      const deadline = Date.now() + 15_000;
      while (!calls.includes('retention') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(calls).toContain('retention');

      await scheduler.runNow('compression');
      expect(calls).toContain('compression');
    } finally {
      await scheduler.close();
    }
  },
  60_000,
);
