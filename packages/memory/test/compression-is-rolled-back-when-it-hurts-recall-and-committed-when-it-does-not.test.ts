import type { Database } from '@bulwark/db';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type MemoryInput, MemoryJobs, type MemoryStore } from '../src/index.js';
import { bulkLoad } from './fixtures/bulk-load.js';
import { openMemoryStore } from './fixtures/open-store.js';
import { near, randomVector, rng } from './fixtures/vectors.js';

let db: Database;
let store: MemoryStore;

// One database (PGlite takes seconds to start on a loaded machine); a namespace per data set.
beforeAll(async () => {
  ({ db, store } = await openMemoryStore());
});
afterAll(async () => {
  await db.close();
});

const write = (rows: MemoryInput[]) => bulkLoad(db, store, rows);

it('rolls back a compression that merges unrelated memories, and records why', async () => {
  const next = rng(10);
  // 600 unrelated memories. At threshold 0 the clusters are 32 memories whose mean sits far from
  // each of them: the merged memories no longer come back for queries that found the originals.
  await write(
    Array.from({ length: 600 }, (_, i) => ({
      namespace: 'unrelated',
      subject: 'notes',
      content: `unrelated fact ${i}`,
      embedding: randomVector(next),
    })),
  );
  const jobs = new MemoryJobs(store, { compression: { threshold: 0 } });
  const [run] = await jobs.runCompression(['unrelated']);
  expect(run?.outcome).toBe('rolled_back');
  expect(run?.recallBefore).toBeGreaterThanOrEqual(0.9);
  expect(run?.recallAfter).toBeLessThan(0.9);
  expect(run?.reason).toMatch(/recall@10 after the change .* is below the threshold 0\.900/);
  expect(run?.details).toMatchObject({ goldenQueries: { source: 'sample', count: 50 } });
  expect(
    (run?.details as { wouldHaveAffected?: number } | undefined)?.wouldHaveAffected,
  ).toBeGreaterThan(500);
  // Nothing changed.
  expect(await store.stats('unrelated')).toMatchObject({ live: 600, superseded: 0, total: 600 });
  const [recorded] = await jobs.runs({ job: 'compression', limit: 1 });
  expect(recorded).toMatchObject({ id: run?.id, outcome: 'rolled_back', affectedRows: 0 });
  expect(recorded?.recallAfter).toBeCloseTo(run?.recallAfter ?? -1, 9);
});

it('commits a compression of near-duplicates, keeping the originals reachable through provenance', async () => {
  const next = rng(11);
  const rows: MemoryInput[] = [];
  for (let g = 0; g < 100; g++) {
    const base = randomVector(next);
    for (let c = 0; c < 3; c++) {
      rows.push({
        namespace: 'agent',
        subject: 'notes',
        content: `fact ${g}, phrasing ${c}`,
        embedding: near(base, 0.05, next),
      });
    }
  }
  for (let i = 0; i < 200; i++) {
    rows.push({
      namespace: 'agent',
      subject: 'notes',
      content: `single ${i}`,
      embedding: randomVector(next),
    });
  }
  const ids = await write(rows);
  const jobs = new MemoryJobs(store, { compression: { threshold: 0.95 } });
  const [run] = await jobs.runCompression(['agent']);
  expect(run?.outcome, run?.reason ?? '').toBe('committed');
  expect(run?.affectedRows).toBe(300);
  expect(run?.recallAfter).toBeGreaterThanOrEqual(0.9);
  expect(run?.details).toMatchObject({ merged: 100, originals: 300 });
  expect(await store.stats('agent')).toMatchObject({ live: 300, superseded: 300, forgotten: 0 });

  // The first group's originals are closed, not lost, and point at one merged memory.
  const originals = await Promise.all(ids.slice(0, 3).map((id) => store.get(id)));
  const mergedId = originals[0]?.supersededBy;
  expect(mergedId).toBeTruthy();
  for (const o of originals) {
    expect(o?.supersededBy).toBe(mergedId);
    expect(o?.content).toMatch(/^fact 0, phrasing/);
  }
  const merged = await store.get(mergedId as string);
  expect(merged?.content).toBe('fact 0, phrasing 2');
  expect(merged?.provenance).toEqual({
    kind: 'compression',
    jobRunId: run?.id,
    threshold: 0.95,
    originals: originals.map((o) => ({ id: o?.id, contentDigest: o?.contentDigest })),
  });
  // The singles were left alone.
  expect((await store.get(ids[300] as string))?.supersededAt).toBeNull();
  const status = await jobs.status();
  expect(status.jobs.compression.lastRun?.id).toBe(run?.id);
  expect(status.jobs.compression.runs.committed).toBe(1);
}, 30_000);
