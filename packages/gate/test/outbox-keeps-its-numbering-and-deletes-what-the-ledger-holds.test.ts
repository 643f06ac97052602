import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileOutbox } from '../src/decisions/outbox.js';
import {
  OutboxClosedError,
  OutboxCorruptError,
  OutboxInUseError,
  UnshippableRecordError,
} from '../src/decisions/outbox-errors.js';
import type { GateRecord } from '../src/decisions/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-outbox-segments-'));
  dirs.push(dir);
  return dir;
};
const segments = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('segment-'));

const decision = (i: number): GateRecord => ({
  kind: 'gate.decision',
  actor: 'agent:test',
  payload: { i, pad: 'x'.repeat(200) },
});

describe('the decision outbox keeps its numbering and deletes what the ledger holds', () => {
  it('rolls segments, deletes those acknowledged whole, and resumes after the cursor on reopen', async () => {
    const dir = tempDir();
    const outbox = await FileOutbox.open({ dir, maxRecords: 10_000, segmentBytes: 4096 });
    // One group commit per record, so segments roll every ~16 records.
    for (let i = 0; i < 200; i++) await outbox.record(decision(i));
    const rolled = segments(dir);
    expect(rolled.length).toBeGreaterThan(5);

    const firstBatch = await outbox.pending(120);
    expect(firstBatch.map((r) => r.n)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    // pending() offers the same records until they are acknowledged.
    expect((await outbox.pending(3)).map((r) => r.n)).toEqual([1, 2, 3]);
    await outbox.acknowledge(120);
    const left = segments(dir);
    expect(left.length).toBeLessThan(rolled.length);
    // The first segment left holds record 121 (or starts right after it).
    const firstLeft = Number(/segment-(\d+)/.exec(left[0] as string)?.[1]);
    expect(firstLeft).toBeLessThanOrEqual(121);
    expect((await outbox.pending(2)).map((r) => r.n)).toEqual([121, 122]);
    await outbox.close();

    const reopened = await FileOutbox.open({ dir, maxRecords: 10_000, segmentBytes: 4096 });
    expect(reopened.shipped()).toBe(120);
    expect(reopened.depth()).toBe(80);
    const rest = await reopened.pending(1_000);
    expect(rest.map((r) => r.n)).toEqual(Array.from({ length: 80 }, (_, i) => i + 121));
    expect(rest[0]?.payload).toMatchObject({ i: 120 });
    // Everything shipped: on the next open no segment is left, and n carries on from the cursor.
    await reopened.acknowledge(200);
    await reopened.close();
    const emptied = await FileOutbox.open({ dir, maxRecords: 10_000 });
    try {
      expect(segments(dir)).toEqual([]);
      expect(emptied.depth()).toBe(0);
      expect(await emptied.pending(10)).toEqual([]);
      expect(await emptied.append(decision(200))).toBe(201);
      expect((await emptied.pending(10)).map((r) => r.n)).toEqual([201]);
    } finally {
      await emptied.close();
    }
  });

  it('reads back lines that straddle its 1 MiB read chunks, before and after a reopen', async () => {
    const dir = tempDir();
    const big = (i: number): GateRecord => ({
      kind: 'gate.decision',
      actor: 'agent:test',
      // Odd-sized records, so chunk ends fall inside lines.
      payload: { i, text: `${'é'.repeat(3_000 + i)}` },
    });
    const outbox = await FileOutbox.open({ dir, maxRecords: 10_000 });
    await Promise.all(Array.from({ length: 400 }, (_, i) => outbox.record(big(i))));
    const read = await outbox.pending(1_000);
    expect(read.map((r) => r.payload.i)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(read.every((r, i) => r.payload.text === big(i).payload.text)).toBe(true);
    await outbox.acknowledge(123);
    await outbox.close();
    const reopened = await FileOutbox.open({ dir, maxRecords: 10_000 });
    try {
      const rest = await reopened.pending(1_000);
      expect(rest.map((r) => r.n)).toEqual(Array.from({ length: 277 }, (_, i) => i + 124));
      expect(rest.at(-1)?.payload.text).toBe(big(399).payload.text);
    } finally {
      await reopened.close();
    }
  });

  it('refuses records the ledger would refuse, before writing them', async () => {
    const outbox = await FileOutbox.open({ dir: tempDir(), maxRecords: 100 });
    try {
      const bad: GateRecord[] = [
        { kind: 'gate.decision', actor: 'agent with spaces', payload: {} },
        { kind: 'gate.decision', actor: '', payload: {} },
        { kind: 'gate.decision', actor: 'a', payload: { outboxSeq: 3 } },
        { kind: 'gate.decision', actor: 'a', payload: { big: 'x'.repeat(70_000) } },
        { kind: 'gate.decision', actor: 'a', payload: { n: 10n } },
        { kind: 'gate.decision', actor: 'a', payload: [] as unknown as Record<string, unknown> },
      ];
      for (const record of bad) {
        await expect(outbox.record(record)).rejects.toBeInstanceOf(UnshippableRecordError);
      }
      expect(outbox.depth()).toBe(0);
      expect(await outbox.append(decision(0))).toBe(1);
    } finally {
      await outbox.close();
    }
  });

  it('lets one process at a time open a directory, and refuses work once closed', async () => {
    const dir = tempDir();
    const outbox = await FileOutbox.open({ dir, maxRecords: 100 });
    await expect(FileOutbox.open({ dir, maxRecords: 100 })).rejects.toBeInstanceOf(
      OutboxInUseError,
    );
    // A lock left by a process that no longer exists is taken over.
    await outbox.close();
    writeFileSync(join(dir, 'outbox.lock'), '2147483646\n');
    const next = await FileOutbox.open({ dir, maxRecords: 100 });
    await next.close();
    await expect(next.record(decision(0))).rejects.toBeInstanceOf(OutboxClosedError);
    await expect(next.pending(1)).rejects.toBeInstanceOf(OutboxClosedError);
  });

  it('reports damage inside a synced segment as corruption instead of cutting it', async () => {
    const dir = tempDir();
    const outbox = await FileOutbox.open({ dir, maxRecords: 10_000, segmentBytes: 4096 });
    for (let i = 0; i < 60; i++) await outbox.record(decision(i));
    await outbox.close();
    const [firstSegment] = segments(dir);
    const path = join(dir, firstSegment as string);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[3] = lines[3]?.replace('"n":4', '"n":44') ?? '';
    writeFileSync(path, lines.join('\n'));

    const reopened = await FileOutbox.open({ dir, maxRecords: 10_000, segmentBytes: 4096 });
    try {
      await expect(reopened.pending(10)).rejects.toBeInstanceOf(OutboxCorruptError);
      expect(reopened.lastRecorded()).toBe(60);
    } finally {
      await reopened.close();
    }
  });
});
