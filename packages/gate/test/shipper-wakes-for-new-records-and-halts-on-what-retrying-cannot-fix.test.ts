import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerBatchClient } from '../src/decisions/ledger-client.js';
import { FileOutbox } from '../src/decisions/outbox.js';
import { OutboxShipper, type ShipperStatus } from '../src/decisions/shipper.js';

const LEDGER_MAIN = fileURLToPath(new URL('../../../services/ledger/src/main.ts', import.meta.url));

const decision = (i: number) => ({
  kind: 'gate.decision' as const,
  actor: 'agent:test',
  payload: { i },
});

describe('the shipper wakes for new records and halts on what retrying cannot fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-shipper-halts-'));
  let ledger: SpawnedProcess;
  let base: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    ledger = spawnTs(LEDGER_MAIN, {
      PORT: String(port),
      BULWARK_LEDGER_DATA_DIR: join(dir, 'ledger'),
      BULWARK_KEYS_DIR: join(dir, 'keys'),
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '0',
      BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '0',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      BULWARK_LOG_LEVEL: 'error',
    });
    await ledger.waitForLine((line) => line.includes('ready on http'), 60_000);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    ledger?.kill('SIGTERM');
    await ledger?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  /** An outbox (optionally pre-filled with raw segment lines), a client and a shipper on `stream`. */
  const setUp = async (name: string, stream: string, rawLines?: string[]) => {
    const outboxDir = join(dir, name);
    if (rawLines) {
      mkdirSync(outboxDir, { recursive: true });
      writeFileSync(
        join(outboxDir, 'segment-0000000000000001.ndjson'),
        rawLines.map((l) => `${l}\n`).join(''),
      );
    }
    const outbox = await FileOutbox.open({ dir: outboxDir, maxRecords: 1_000 });
    const client = new LedgerBatchClient({ url: base });
    const shipper = new OutboxShipper({
      outbox,
      client,
      stream,
      retry: { initialMs: 20, maxMs: 200 },
    });
    cleanups.push(async () => {
      await shipper.stop();
      await client.close();
      await outbox.close();
    });
    return { outbox, shipper };
  };
  const until = async (shipper: OutboxShipper, done: (s: ShipperStatus) => boolean) => {
    const deadline = Date.now() + 30_000;
    while (!done(shipper.status()) && Date.now() < deadline) await sleep(10);
    return shipper.status();
  };
  const streamEntries = async (stream: string) =>
    (
      (await (await fetch(`${base}/v1/ledger/entries?stream=${stream}`)).json()) as {
        entries: { payload: Record<string, unknown> }[];
      }
    ).entries;

  it('ships records recorded while it idles (no polling: only the wake-up can send them), and stops cleanly', async () => {
    const { outbox, shipper } = await setUp('wakes', 'gate-wakes');
    expect(shipper.status().state).toBe('stopped');
    shipper.start();
    // Connected: it has read the (empty) stream tail and is waiting for records.
    expect(await until(shipper, (s) => s.connected)).toMatchObject({ state: 'running' });
    await sleep(100);
    await outbox.record(decision(0));
    expect(await until(shipper, (s) => s.lastShipped === 1)).toMatchObject({ lastShipped: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => outbox.record(decision(i + 1))));
    expect(await until(shipper, (s) => s.lastShipped === 11)).toMatchObject({ depth: 0 });

    await shipper.stop();
    expect(shipper.status().state).toBe('stopped');
    await outbox.record(decision(11));
    shipper.start();
    expect(await until(shipper, (s) => s.lastShipped === 12)).toMatchObject({ state: 'running' });
    expect((await streamEntries('gate-wakes')).map((e) => e.payload.outboxSeq)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  });

  it('halts, keeping every record, when the ledger refuses a batch', async () => {
    // A record the ledger refuses (a name outside its alphabet), as an older gate might have
    // written it: today's outbox refuses such a record before writing it.
    const { outbox, shipper } = await setUp('refused', 'gate-refused', [
      '{"n":1,"kind":"gate.decision","actor":"agent with spaces","payload":{}}',
    ]);
    await outbox.record(decision(1));
    shipper.start();
    const status = await until(shipper, (s) => s.state === 'halted');
    expect(status).toMatchObject({
      state: 'halted',
      connected: true,
      depth: 2,
      lastShipped: 0,
      refusedBatches: 1,
      lastError: { code: 'BW_GATE_LEDGER_REFUSED' },
    });
    expect(status.lastError?.message).toMatch(/400/);
    expect(await streamEntries('gate-refused')).toEqual([]);
    expect((await outbox.pending(10)).map((r) => r.n)).toEqual([1, 2]);
  });

  it('halts when the stream holds entries this outbox did not write', async () => {
    const foreign = await fetch(`${base}/v1/ledger/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        stream: 'gate-shared',
        kind: 'gate.decision',
        actor: 'someone-else',
        payload: {},
      }),
    });
    expect(foreign.status).toBe(201);
    const shared = await setUp('shared', 'gate-shared');
    await shared.outbox.record(decision(0));
    shared.shipper.start();
    expect(await until(shared.shipper, (s) => s.state === 'halted')).toMatchObject({
      lastShipped: 0,
      depth: 1,
      lastError: { code: 'BW_GATE_LEDGER_STREAM_MISMATCH' },
    });

    // A reset outbox (numbering from 1 again) behind a stream that already holds outboxSeq 3.
    const first = await setUp('before-reset', 'gate-reset');
    await Promise.all([0, 1, 2].map((i) => first.outbox.record(decision(i))));
    first.shipper.start();
    await until(first.shipper, (s) => s.lastShipped === 3);
    await first.shipper.stop();
    const reset = await setUp('after-reset', 'gate-reset');
    await reset.outbox.record(decision(0));
    reset.shipper.start();
    const status = await until(reset.shipper, (s) => s.state === 'halted');
    expect(status).toMatchObject({ lastError: { code: 'BW_GATE_LEDGER_STREAM_MISMATCH' } });
    expect(status.lastError?.message).toMatch(/outboxSeq 3.*recorded only 1/);
    expect((await streamEntries('gate-reset')).map((e) => e.payload.outboxSeq)).toEqual([1, 2, 3]);
  });
});
