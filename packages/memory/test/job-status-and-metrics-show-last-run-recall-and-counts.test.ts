import type { Database } from '@bulwark/db';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MemoryJobs, type MemoryStore, registerMemoryMetrics } from '../src/index.js';
import { openMemoryStore } from './fixtures/open-store.js';
import { near, randomVector, rng } from './fixtures/vectors.js';

let db: Database;
let store: MemoryStore;

beforeAll(async () => {
  ({ db, store } = await openMemoryStore());
});
afterAll(async () => {
  await db.close();
});

it('reports each job’s last run, recall, memory count and growth, as an object and as metrics', async () => {
  const next = rng(40);
  const base = randomVector(next);
  await store.writeBatch([
    ...Array.from({ length: 4 }, (_, i) => ({
      namespace: 'm',
      subject: 's',
      content: `dup ${i}`,
      embedding: near(base, 0.02, next),
    })),
    ...Array.from({ length: 40 }, (_, i) => ({
      namespace: 'm',
      subject: 's',
      content: `other ${i}`,
      embedding: randomVector(next),
    })),
  ]);
  const jobs = new MemoryJobs(store);
  const empty = await jobs.status();
  expect(empty.jobs.compression.lastRun).toBeNull();
  expect(empty.memories).toMatchObject({ live: 44, recordedLastDay: 44 });

  const [run] = await jobs.run('compression');
  const status = await jobs.status();
  expect(status.jobs.compression.lastRun).toMatchObject({ id: run?.id, outcome: 'committed' });
  expect(status.jobs.compression.lastRun?.recallBefore).toBe(run?.recallBefore);
  expect(status.jobs.retention.lastRun).toBeNull();
  expect(status.memories).toMatchObject({ live: 41, superseded: 4, recordedLastDay: 45 });

  const registry = new Registry();
  registerMemoryMetrics(registry, jobs);
  const text = await registry.metrics();
  expect(text).toContain('bulwark_memory_memories{state="live"} 41');
  expect(text).toContain('bulwark_memory_memories{state="superseded"} 4');
  expect(text).toContain('bulwark_memory_recorded_last_day 45');
  expect(text).toContain('bulwark_memory_job_runs{job="compression",outcome="committed"} 1');
  expect(text).toContain(
    'bulwark_memory_job_last_outcome{job="compression",outcome="committed"} 1',
  );
  expect(text).toMatch(
    /bulwark_memory_job_last_recall\{job="compression",phase="after"\} (0\.9\d*|1)\n/,
  );
  expect(text).toMatch(/bulwark_memory_job_last_run_timestamp_seconds\{job="compression"\} \d+/);
});
