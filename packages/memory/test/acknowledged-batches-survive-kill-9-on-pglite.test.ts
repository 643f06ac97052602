import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@bulwark/db';
import { spawnTs } from '@bulwark/testkit';
import { afterAll, expect, it } from 'vitest';
import { MemoryStore, migrateMemory } from '../src/index.js';

const WRITER = fileURLToPath(new URL('./fixtures/batch-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bulwark-memory-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps every acknowledged batch after kill -9 during batched writes, and accepts writes again', async () => {
  const child = spawnTs(WRITER, { MEMORY_DATABASE_URL: dir });
  await child.waitForLine((l) => l === 'ready', 30_000);
  // Let a few batches through, then kill mid-stream (a batch is almost always in flight).
  await child.waitForLine((l) => l.startsWith('ack 5 '), 30_000);
  await new Promise((r) => setTimeout(r, 37));
  child.kill('SIGKILL');
  expect(await child.exited).toBe('SIGKILL');

  const acked = child.lines
    .filter((l) => l.startsWith('ack '))
    .flatMap((l) => (l.split(' ')[2] ?? '').split(','));
  expect(acked.length).toBeGreaterThanOrEqual(6 * 25);

  const db = await openDatabase({ url: dir, name: 'memory-reopen', extensions: ['vector'] });
  try {
    await migrateMemory(db);
    const store = new MemoryStore(db);
    for (const id of acked) {
      const memory = await store.get(id);
      expect(memory?.content, id).toMatch(/^batch \d+ row \d+$/);
    }
    // Whole batches only: no batch is half there.
    const stats = await store.stats('durable');
    expect(stats.total % 25).toBe(0);
    expect(stats.total).toBeGreaterThanOrEqual(acked.length);
    const [w] = await store.writeBatch([
      {
        namespace: 'durable',
        subject: 'after',
        content: 'after restart',
        embedding: new Float32Array(384).fill(0.1),
      },
    ]);
    expect((await store.get(w?.id ?? ''))?.content).toBe('after restart');
  } finally {
    await db.close();
  }
}, 60_000);
