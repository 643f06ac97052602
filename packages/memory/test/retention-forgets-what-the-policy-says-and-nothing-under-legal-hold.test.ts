import type { Database } from '@bulwark/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MemoryJobs, type MemoryStore } from '../src/index.js';
import { openMemoryStore } from './fixtures/open-store.js';
import { randomVector, rng } from './fixtures/vectors.js';

let db: Database;
let store: MemoryStore;
const next = rng(20);
const DAY = 86_400_000;

async function writeMany(namespace: string, n: number, tag: string): Promise<string[]> {
  const written = await store.writeBatch(
    Array.from({ length: n }, (_, i) => ({
      namespace,
      subject: 's',
      content: `${tag} ${i}`,
      embedding: randomVector(next),
    })),
  );
  return written.map((w) => w.id);
}

/** Constructs old memories: recorded `days` ago. */
async function age(ids: string[], days: number): Promise<void> {
  const at = new Date(Date.now() - days * DAY);
  for (const id of ids) {
    await sql`UPDATE memories SET recorded_at = ${at}, valid_from = ${at} WHERE id = ${id}::uuid`.execute(
      db.kysely,
    );
  }
}

const live = async (ids: string[]) =>
  (await Promise.all(ids.map((id) => store.get(id))))
    .filter((m) => m?.content !== null)
    .map((m) => m?.id);

beforeAll(async () => {
  ({ db, store } = await openMemoryStore());
});
afterAll(async () => {
  await db.close();
});

it('forgets rows past max age and beyond max count, skips legal hold, leaves unmanaged namespaces', async () => {
  const aged = await writeMany('aged', 10, 'aged');
  await age(aged.slice(0, 4), 10);
  const capped: string[] = [];
  for (let b = 0; b < 5; b++) capped.push(...(await writeMany('capped', 2, `capped-${b}`)));
  const held = await writeMany('held', 6, 'held');
  await age(held, 400);
  const free = await writeMany('free', 5, 'free');
  await age(free, 400);

  await store.setRetentionPolicy({
    namespace: 'aged',
    maxAgeMs: 7 * DAY,
    maxCount: null,
    legalHold: false,
  });
  await store.setRetentionPolicy({
    namespace: 'capped',
    maxAgeMs: null,
    maxCount: 6,
    legalHold: false,
  });
  await store.setRetentionPolicy({
    namespace: 'held',
    maxAgeMs: DAY,
    maxCount: 0,
    legalHold: true,
  });

  const runs = await new MemoryJobs(store).runRetention();
  const by = Object.fromEntries(runs.map((r) => [r.namespace, r]));
  expect(by.aged).toMatchObject({ outcome: 'committed', affectedRows: 4 });
  expect(by.capped).toMatchObject({ outcome: 'committed', affectedRows: 4 });
  expect(by.held).toMatchObject({ outcome: 'skipped', reason: 'legal hold', affectedRows: 0 });
  expect(by.free).toBeUndefined();
  expect(by.aged?.recallAfter).toBeGreaterThanOrEqual(0.9);

  expect(await live(aged)).toEqual(aged.slice(4));
  // The newest six (the last three batches) stay.
  expect(await live(capped)).toEqual(capped.slice(4));
  expect(await live(held)).toEqual(held);
  expect(await live(free)).toEqual(free);
  const tomb = await store.get(aged[0] as string);
  expect(tomb).toMatchObject({ content: null, forgottenReason: 'retention:max_age' });
  expect((await store.get(capped[0] as string))?.forgottenReason).toBe('retention:max_count');

  // A second run finds nothing more to do.
  const again = await new MemoryJobs(store).runRetention();
  expect(again.filter((r) => r.outcome === 'committed').map((r) => r.affectedRows)).toEqual([0, 0]);
});
