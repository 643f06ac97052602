/**
 * Crash safety (kill -9 appending processes at random points, at least 50 times) and
 * concurrency (4 processes × 10,000 appends) against real PostgreSQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnTs } from '@bulwark/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, openDriver, toHex } from '../src/index.js';
import { createTestDatabase, postgres } from './helpers/postgres.js';

const CHILD = fileURLToPath(new URL('./helpers/append-child.ts', import.meta.url));
const KILLS = Number(process.env.BULWARK_LEDGER_KILLS ?? 50);
const WRITERS = 4;
const PER_WRITER = Number(process.env.BULWARK_LEDGER_CONCURRENCY_APPENDS ?? 10_000);

describe.skipIf(!postgres.available)('on PostgreSQL', () => {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it(`keeps every acknowledged append across ${KILLS} kill -9s, and the chain verifies`, {
    timeout: 240_000,
  }, async () => {
    const db = await createTestDatabase('crash');
    drops.push(db.drop);
    // Migrate once up front so every child starts appending at once.
    await (await Ledger.open(await openDriver(db.url), { origin: 'bulwark.test/child' })).close();
    const acked = new Map<number, string>();
    let killedMidRun = 0;
    // Two children at a time: both killed, so each round is two crashes with cross-process contention.
    for (let round = 0; round < KILLS / 2; round++) {
      const children = [0, 1].map(() =>
        spawnTs(CHILD, { LEDGER_TARGET: db.url, LEDGER_IN_FLIGHT: '8' }),
      );
      await Promise.all(children.map((c) => c.waitForLine((l) => l === 'ready', 30_000)));
      await sleep(5 + Math.random() * 150);
      for (const child of children) child.kill('SIGKILL');
      for (const child of children) {
        expect(await child.exited).toBe('SIGKILL');
        killedMidRun += 1;
        for (const line of child.lines) {
          const match = /^ack (\d+) ([0-9a-f]{64})$/.exec(line);
          if (!match) continue;
          const seq = Number(match[1]);
          expect(acked.has(seq), `seq ${seq} acknowledged twice`).toBe(false);
          acked.set(seq, match[2] as string);
        }
      }
    }
    expect(killedMidRun).toBeGreaterThanOrEqual(50);
    expect(acked.size).toBeGreaterThan(0);

    const ledger = await Ledger.open(await openDriver(db.url), { origin: 'bulwark.test/child' });
    try {
      const report = await ledger.verify();
      expect(report).toMatchObject({ valid: true, firstBadSeq: null });
      for (const [seq, hash] of acked) {
        const [entry] = await ledger.read(seq, 1, { through: seq });
        expect(entry && toHex(entry.entryHash), `acknowledged seq ${seq}`).toBe(hash);
      }
      console.log(
        `crash safety: ${killedMidRun} kill -9s, ${acked.size} acknowledged appends all present, ${report.head} entries verify`,
      );
    } finally {
      await ledger.close();
    }
  });

  it(`${WRITERS} processes × ${PER_WRITER} appends form one linear chain with no gaps or forks`, {
    timeout: 240_000,
  }, async () => {
    const db = await createTestDatabase('concurrency');
    drops.push(db.drop);
    await (await Ledger.open(await openDriver(db.url), { origin: 'bulwark.test/child' })).close();
    const started = performance.now();
    const children = Array.from({ length: WRITERS }, (_, w) =>
      spawnTs(CHILD, {
        LEDGER_TARGET: db.url,
        LEDGER_COUNT: String(PER_WRITER),
        LEDGER_IN_FLIGHT: '32',
        LEDGER_WRITER: String(w),
        LEDGER_QUIET: '1',
      }),
    );
    for (const child of children) expect(await child.exited).toBe(0);
    const seconds = (performance.now() - started) / 1000;

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const stats = await client.query(
      `SELECT count(*)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi, count(DISTINCT prev_hash)::int AS prevs FROM ledger_entries`,
    );
    const perWriter = await client.query(
      `SELECT stream, count(*)::int AS n, count(DISTINCT payload)::int AS distinct FROM ledger_entries GROUP BY stream ORDER BY stream`,
    );
    await client.end();
    const total = WRITERS * PER_WRITER;
    // One linear chain: seqs 1..total, every prev hash distinct (no two entries claim the same parent).
    expect(stats.rows[0]).toEqual({ n: total, lo: 1, hi: total, prevs: total });
    expect(perWriter.rows).toEqual(
      Array.from({ length: WRITERS }, (_, w) => ({
        stream: `writer-${w}`,
        n: PER_WRITER,
        distinct: PER_WRITER,
      })),
    );
    const ledger = await Ledger.open(await openDriver(db.url), { origin: 'bulwark.test/child' });
    try {
      expect(await ledger.verify()).toMatchObject({ valid: true, checked: total, head: total });
    } finally {
      await ledger.close();
    }
    console.log(
      `concurrency: ${WRITERS} × ${PER_WRITER} appends in ${seconds.toFixed(1)} s, one chain of ${total}`,
    );
  });
});
