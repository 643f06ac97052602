import { expect, it } from 'vitest';
import { InProcessScheduler, type JobRun, type MemoryJobName } from '../src/index.js';

function recordingRunner(ms: number) {
  const calls: MemoryJobName[] = [];
  let active = 0;
  let maxActive = 0;
  return {
    calls,
    maxActive: () => maxActive,
    async run(job: MemoryJobName): Promise<JobRun[]> {
      active++;
      maxActive = Math.max(maxActive, active);
      calls.push(job);
      await new Promise((r) => setTimeout(r, ms));
      active--;
      return [];
    },
  };
}

it('runs on its timers, never two runs at once, and stops on close', async () => {
  const runner = recordingRunner(15);
  const scheduler = new InProcessScheduler({
    runner,
    intervalsMs: { retention: 10, compression: 12 },
  });
  await scheduler.start();
  await new Promise((r) => setTimeout(r, 200));
  await scheduler.close();
  const seen = runner.calls.length;
  expect(runner.calls).toContain('retention');
  expect(runner.calls).toContain('compression');
  expect(runner.maxActive()).toBe(1);
  await new Promise((r) => setTimeout(r, 60));
  expect(runner.calls.length).toBe(seen);
  await expect(scheduler.runNow('retention')).rejects.toThrow(/closed/);
});

it('runs on demand, queued behind a run in progress', async () => {
  const runner = recordingRunner(20);
  const scheduler = new InProcessScheduler({ runner, intervalsMs: {} });
  await scheduler.start();
  const a = scheduler.runNow('compression');
  const b = scheduler.runNow('retention');
  await Promise.all([a, b]);
  expect(runner.calls).toEqual(['compression', 'retention']);
  expect(runner.maxActive()).toBe(1);
  await scheduler.close();
});

it('keeps scheduling after a run throws, and reports the error', async () => {
  const errors: unknown[] = [];
  let n = 0;
  const scheduler = new InProcessScheduler({
    runner: {
      async run() {
        n++;
        if (n === 1) throw new Error('boom');
        return [];
      },
    },
    intervalsMs: { retention: 5 },
    onError: (_job, error) => errors.push(error),
  });
  await scheduler.start();
  await new Promise((r) => setTimeout(r, 80));
  await scheduler.close();
  expect(errors).toHaveLength(1);
  expect(n).toBeGreaterThan(1);
});
