import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileOutbox } from '../src/decisions/outbox.js';
import { OutboxFullError } from '../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-outbox-bound-'));
  dirs.push(dir);
  return dir;
};

const decision = (i: number) => ({
  kind: 'gate.decision' as const,
  actor: 'agent:test',
  payload: { i },
});

describe('the decision outbox applies backpressure at its bound', () => {
  it('accepts exactly maxRecords of a burst, refuses the rest at once, and drops nothing', async () => {
    const outbox = await FileOutbox.open({ dir: tempDir(), maxRecords: 100 });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 150 }, (_, i) => outbox.append(decision(i))),
      );
      const accepted = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      // The first 100 callers, in call order; the next 50 refused, none left waiting.
      expect(accepted.map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      expect(results.slice(0, 100).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(refused).toHaveLength(50);
      for (const r of refused) {
        const error = (r as PromiseRejectedResult).reason;
        expect(error).toBeInstanceOf(OutboxFullError);
        expect(error).toMatchObject({ code: 'BW_GATE_OUTBOX_FULL', status: 503 });
      }
      expect(outbox.depth()).toBe(100);
      await expect(outbox.record(decision(999))).rejects.toBeInstanceOf(OutboxFullError);

      // Nothing dropped: all 100 accepted records are pending, in order.
      const pending = await outbox.pending(1_000);
      expect(pending.map((r) => r.n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(pending.map((r) => r.payload.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));

      // The ledger acknowledges 40: room for exactly 40 more.
      await outbox.acknowledge(40);
      expect(outbox.depth()).toBe(60);
      const more = await Promise.allSettled(
        Array.from({ length: 41 }, (_, i) => outbox.append(decision(100 + i))),
      );
      expect(more.filter((r) => r.status === 'fulfilled')).toHaveLength(40);
      expect(more.at(-1)?.status).toBe('rejected');
      expect((more.at(-1) as PromiseRejectedResult).reason).toBeInstanceOf(OutboxFullError);
      const now = await outbox.pending(1_000);
      expect(now.map((r) => r.n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 41));
    } finally {
      await outbox.close();
    }
  });

  it('keeps the bound across a restart: unshipped records still count', async () => {
    const dir = tempDir();
    const first = await FileOutbox.open({ dir, maxRecords: 10 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => first.record(decision(i))));
    await first.acknowledge(3);
    await first.close();

    const second = await FileOutbox.open({ dir, maxRecords: 10 });
    try {
      expect(second.depth()).toBe(7);
      expect(second.shipped()).toBe(3);
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) => second.append(decision(10 + i))),
      );
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
      ]);
      expect((await second.pending(100)).map((r) => r.n)).toEqual([
        4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
      ]);
    } finally {
      await second.close();
    }
  });
});
