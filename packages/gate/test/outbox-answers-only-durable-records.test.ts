import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnTs } from '@bulwark/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { FileOutbox } from '../src/decisions/outbox.js';

const RECORDER = fileURLToPath(new URL('./children/outbox-recorder.ts', import.meta.url));

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-outbox-durable-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const segmentsOf = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.startsWith('segment-'))
    .sort()
    .map((name) => join(dir, name));

const decision = (i: number) => ({
  kind: 'gate.decision' as const,
  actor: 'agent:test',
  payload: { i },
});

describe('the decision outbox answers only durable records', () => {
  it('resolves a record only once its line is in the segment, one write and sync for a burst', async () => {
    const dir = tempDir();
    const outbox = await FileOutbox.open({ dir, maxRecords: 10_000 });
    try {
      const seenOnDisk: boolean[] = [];
      const burst = Array.from({ length: 1_000 }, (_, i) =>
        outbox.append(decision(i)).then((n) => {
          // When record() resolves, its line is already in the file.
          const text = segmentsOf(dir)
            .map((path) => readFileSync(path, 'utf8'))
            .join('');
          seenOnDisk.push(text.includes(`{"n":${n},"kind":"gate.decision"`));
          return n;
        }),
      );
      expect(await Promise.all(burst)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
      expect(seenOnDisk.every(Boolean)).toBe(true);
      // Arrived in one turn: one write and one fdatasync for all of them.
      expect(outbox.stats()).toMatchObject({ records: 1_000, syncs: 1, largestSync: 1_000 });
    } finally {
      await outbox.close();
    }
  });

  it('keeps every record it acknowledged across kill -9, in order, with no gap, and cuts the torn tail', async () => {
    const dir = tempDir();
    const child = spawnTs(RECORDER, {
      OUTBOX_DIR: dir,
      CONCURRENCY: '64',
      SEGMENT_BYTES: String(256 * 1024),
    });
    const closed = once(child.child, 'close');
    const acked = () => child.lines.filter((line) => line.startsWith('acked ')).length;
    const deadline = Date.now() + 60_000;
    while (acked() < 5_000 && Date.now() < deadline) await sleep(5);
    // Mid-stream: 64 records are in flight, a write or a sync is under way.
    child.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    await closed; // every line the child wrote to its pipe has been read

    const printed = child.lines
      .filter((line) => line.startsWith('acked '))
      .map((line) => Number(line.slice(6)));
    expect(printed.length).toBeGreaterThanOrEqual(5_000);
    // Acknowledged in n order.
    expect(printed.every((n, i) => i === 0 || n > (printed[i - 1] as number))).toBe(true);

    const segments = segmentsOf(dir);
    expect(segments.length).toBeGreaterThan(1);
    const last = segments.at(-1) as string;
    // Whatever kill -9 left, add the torn end of a write it could have cut short.
    const tornTail = '{"n":999999,"kind":"gate.decision","actor":"agent:chi';
    appendFileSync(last, tornTail);

    const outbox = await FileOutbox.open({ dir, maxRecords: 1_000_000 });
    try {
      const recorded = outbox.lastRecorded();
      expect(recorded).toBeGreaterThanOrEqual(printed.at(-1) as number);
      const records = await outbox.pending(recorded + 10);
      // Every record from 1 on, in order, no gap, each the child's i-th (n = i + 1).
      expect(records.map((r) => r.n)).toEqual(Array.from({ length: recorded }, (_, i) => i + 1));
      for (const r of records) expect(r.payload).toMatchObject({ writer: 'child', i: r.n - 1 });
      const held = new Set(records.map((r) => r.n));
      expect(printed.filter((n) => !held.has(n))).toEqual([]);

      // The torn tail is gone: the segment ends with a whole line, and the next record follows it.
      const text = readFileSync(last, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.includes(tornTail)).toBe(false);
      expect(await outbox.append(decision(-1))).toBe(recorded + 1);
      const after = await outbox.pending(recorded + 10);
      expect(after.at(-1)).toMatchObject({ n: recorded + 1, payload: { i: -1 } });
    } finally {
      await outbox.close();
    }
    // And it reopens cleanly after a normal close, with the same records.
    const again = await FileOutbox.open({ dir, maxRecords: 1_000_000 });
    try {
      expect(again.depth()).toBe(again.lastRecorded());
      expect((await again.pending(1)).map((r) => r.n)).toEqual([1]);
    } finally {
      await again.close();
    }
  });
});
