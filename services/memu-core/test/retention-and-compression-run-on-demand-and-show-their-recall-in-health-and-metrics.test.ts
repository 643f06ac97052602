import { describe, expect, it } from 'vitest';
import { nearby, randomVector } from './fixtures/memu-core.js';
import { memuCoreOverRealLedger } from './fixtures/real-ledger.js';

const { ledger, memu } = memuCoreOverRealLedger();

const current = async (namespace: string, vector: number[]) => {
  const found = await memu.call('POST', '/v1/memories/search', { vector, namespace, k: 100 });
  expect(found.status).toBe(200);
  return found.body.results.map((r: { memory: { content: string } }) => r.memory.content).sort();
};

describe('memory jobs through the API', () => {
  it('retention forgets what the policy says and nothing under legal hold', async () => {
    // Random directions: no two distances tie, so the recall guard measures the same every run.
    for (let i = 0; i < 5; i++) {
      const written = await memu.call('POST', '/v1/memories', {
        memories: [
          { namespace: 'keep2', subject: 's', content: `keep2 #${i}`, embedding: randomVector(i) },
          {
            namespace: 'held',
            subject: 's',
            content: `held #${i}`,
            embedding: randomVector(50 + i),
          },
        ],
      });
      expect(written.status).toBe(201);
    }
    expect((await memu.call('PUT', '/v1/namespaces/keep2/retention', { maxCount: 2 })).status).toBe(
      200,
    );
    expect(
      (await memu.call('PUT', '/v1/namespaces/held/retention', { maxCount: 1, legalHold: true }))
        .status,
    ).toBe(200);

    const run = await memu.call('POST', '/v1/jobs/retention/run');
    expect(run.status).toBe(200);
    expect(run.body.job).toBe('retention');
    const byNamespace = Object.fromEntries(
      run.body.runs.map((r: { namespace: string }) => [r.namespace, r]),
    );
    expect(byNamespace.keep2, JSON.stringify(byNamespace.keep2)).toMatchObject({
      outcome: 'committed',
      affectedRows: 3,
    });
    expect(typeof byNamespace.keep2.recallBefore).toBe('number');
    expect(byNamespace.held).toMatchObject({ outcome: 'skipped', affectedRows: 0 });

    expect(await current('keep2', randomVector(0))).toEqual(['keep2 #3', 'keep2 #4']);
    expect(await current('held', randomVector(50))).toHaveLength(5);
    const recorded = (await ledger.entries('memu-core')).filter((e) => e.kind === 'memory.job');
    expect(recorded.map((e) => e.payload)).toEqual([
      expect.objectContaining({ runId: byNamespace.keep2.id, namespace: 'keep2', affectedRows: 3 }),
    ]);
  });

  it('compression merges near-duplicates into one memory that keeps its provenance, guarded by recall', async () => {
    // Random directions, so no two distances tie and recall@10 is well defined.
    const tea = randomVector(1);
    const duplicates = [0, 1, 2].map((i) => ({
      namespace: 'dups',
      subject: 'alice',
      content: `Alice likes tea (${i})`,
      embedding: nearby(tea, 100 + i, 0.02),
    }));
    const distinct = Array.from({ length: 30 }, (_, i) => ({
      namespace: 'dups',
      subject: 'alice',
      content: `distinct fact ${i}`,
      embedding: randomVector(1000 + i),
    }));
    const written = await memu.call('POST', '/v1/memories', {
      memories: [...duplicates, ...distinct],
    });
    expect(written.status).toBe(201);
    const originals = written.body.memories.slice(0, 3);

    const run = await memu.call('POST', '/v1/jobs/compression/run');
    expect(run.status).toBe(200);
    const dups = run.body.runs.find((r: { namespace: string }) => r.namespace === 'dups');
    expect(dups, JSON.stringify(dups)).toMatchObject({
      job: 'compression',
      outcome: 'committed',
      affectedRows: 3,
    });
    expect(dups.recallAfter).toBeGreaterThanOrEqual(dups.threshold);

    const left = await memu.call('POST', '/v1/memories/search', {
      vector: tea,
      namespace: 'dups',
      k: 1,
    });
    const merged = left.body.results[0].memory;
    expect(originals.map((o: { id: string }) => o.id)).not.toContain(merged.id);
    expect(merged.provenance.originals).toEqual(
      originals.map((o: { id: string; contentDigest: string }) => ({
        id: o.id,
        contentDigest: o.contentDigest,
      })),
    );
    expect(await current('dups', tea)).toHaveLength(1 + distinct.length);
  });

  it('shows each job’s last run, its recall, and the memory count in /health and /metrics', async () => {
    const health = await memu.call('GET', '/health');
    expect(health.status).toBe(200);
    const section = health.body['memory-jobs'];
    expect(section.status).toBe('pass');
    expect(section.jobs.retention.lastRun).toMatchObject({ outcome: 'committed' });
    // One run per namespace; the last one stands for the job.
    expect(section.jobs.compression.lastRun).toMatchObject({ outcome: 'committed' });
    expect(section.jobs.compression.runs.committed).toBe(3);
    expect(section.jobs.compression.lastRun.recallAfter).toBeGreaterThanOrEqual(0.9);
    expect(section.jobs.retention.runs.committed).toBeGreaterThanOrEqual(1);
    // keep2: 2 left of 5; held: 5; dups: 1 merged + 30.
    expect(section.memories).toMatchObject({ live: 2 + 5 + 31, forgotten: 3 });
    expect(section.memories.recordedLastHour).toBe(section.memories.total);
    const metrics = await fetch(`${memu.base}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/bulwark_memory_job_last_recall\{job="compression",phase="after"\} \d/);
    expect(metrics).toMatch(
      /bulwark_memory_job_last_outcome\{job="retention",outcome="committed"\} 1/,
    );
    expect(metrics).toMatch(/bulwark_memory_memories\{state="live"\} \d+/);
    expect(metrics).toMatch(/bulwark_db_pool_max\{database="memu-core"\} \d+/);
  });
});
