import { describe, expect, it } from 'vitest';
import { randomVector, startMemuCore } from './fixtures/memu-core.js';

describe('memu-core’s job schedule', () => {
  it('runs retention on its own, then stops with the service without a failed phase', async () => {
    const memu = await startMemuCore({ BULWARK_MEMU_RETENTION_INTERVAL_MS: '200' });
    let closed = false;
    try {
      const written = await memu.call('POST', '/v1/memories', {
        memories: [0, 1, 2].map((i) => ({
          namespace: 'sched',
          subject: 's',
          content: `fact ${i}`,
          embedding: randomVector(i),
        })),
      });
      expect(written.status).toBe(201);
      expect(
        (await memu.call('PUT', '/v1/namespaces/sched/retention', { maxCount: 1 })).status,
      ).toBe(200);

      // No POST /v1/jobs/retention/run: the schedule alone must apply the policy.
      const deadline = Date.now() + 10_000;
      let lastRun: { outcome: string; namespace: string; affectedRows: number } | null = null;
      while (Date.now() < deadline && lastRun?.outcome !== 'committed') {
        await new Promise((resolve) => setTimeout(resolve, 100));
        lastRun = (await memu.call('GET', '/health')).body['memory-jobs']?.jobs?.retention?.lastRun;
      }
      expect(lastRun).toMatchObject({ namespace: 'sched', outcome: 'committed', affectedRows: 2 });
      const left = await memu.call('POST', '/v1/memories/search', {
        vector: randomVector(0),
        namespace: 'sched',
        k: 10,
      });
      expect(
        left.body.results.map((r: { memory: { content: string } }) => r.memory.content),
      ).toEqual(['fact 2']);

      const outcome = await memu.service.shutdown();
      closed = true;
      expect(outcome.failedPhase).toBeUndefined();
    } finally {
      if (!closed) await memu.close();
    }
  });
});
