import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { LedgerBatchClient } from '../src/decisions/ledger-client.js';
import { FileOutbox } from '../src/decisions/outbox.js';
import { OutboxShipper } from '../src/decisions/shipper.js';

const LEDGER_MAIN = fileURLToPath(new URL('../../../services/ledger/src/main.ts', import.meta.url));
const RECORDER = fileURLToPath(new URL('./children/outbox-recorder.ts', import.meta.url));
const STREAM = 'gate-outage-test';
const TOTAL = 10_000;

interface StreamEntry {
  seq: number;
  time: string;
  kind: string;
  actor: string;
  payload: { outboxSeq: number; writer: string; i: number };
}

/** The real ledger service on PGlite in `dir`; checkpoints off, so the test measures shipping. */
async function startLedger(dir: string, port: number): Promise<SpawnedProcess> {
  const ledger = spawnTs(LEDGER_MAIN, {
    PORT: String(port),
    BULWARK_LEDGER_DATA_DIR: join(dir, 'ledger'),
    BULWARK_KEYS_DIR: join(dir, 'keys'),
    BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
    BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '0',
    BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '0',
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    BULWARK_LOG_LEVEL: 'warn',
  });
  await ledger.waitForLine((line) => line.includes('ready on http'), 60_000);
  return ledger;
}

/** Every entry of the stream, read page by page. */
async function readStream(base: string): Promise<StreamEntry[]> {
  const entries: StreamEntry[] = [];
  let from: number | null = 1;
  while (from !== null) {
    const page = (await (
      await fetch(`${base}/v1/ledger/entries?stream=${STREAM}&from=${from}&limit=1000`)
    ).json()) as { entries: StreamEntry[]; next: number | null };
    entries.push(...page.entries);
    from = page.next;
  }
  return entries;
}

describe('the shipper delivers every record in order across a ledger outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-shipper-outage-'));
  const processes: SpawnedProcess[] = [];
  afterAll(() => {
    for (const p of processes) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('records 10,000 while the ledger is down (the recording gate killed -9 midway), then ships each once, in order', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const outboxDir = join(dir, 'outbox');

    // The ledger runs, then dies: the outage.
    const first = await startLedger(dir, port);
    processes.push(first);
    first.kill('SIGKILL');
    await first.exited;

    // The gate records (and its shipper keeps failing to reach the ledger) until it is killed.
    const gate = spawnTs(RECORDER, {
      OUTBOX_DIR: outboxDir,
      RECORDS: String(TOTAL),
      CONCURRENCY: '32',
      LEDGER_URL: base,
      STREAM,
      WRITER: 'child',
    });
    processes.push(gate);
    const gateClosed = once(gate.child, 'close');
    const acked = () => gate.lines.filter((line) => line.startsWith('acked ')).length;
    const deadline = Date.now() + 60_000;
    while (acked() < 4_000 && Date.now() < deadline) await sleep(5);
    gate.kill('SIGKILL');
    await gate.exited;
    await gateClosed;
    const printed = gate.lines
      .filter((line) => line.startsWith('acked '))
      .map((line) => Number(line.slice(6)));
    expect(printed.length).toBeGreaterThanOrEqual(4_000);
    expect(printed.length).toBeLessThan(TOTAL);

    // A new gate process reopens the outbox and records the rest, the ledger still down.
    const outbox = await FileOutbox.open({ dir: outboxDir, maxRecords: 50_000 });
    const client = new LedgerBatchClient({ url: base, timeoutMs: 5_000 });
    const shipper = new OutboxShipper({
      outbox,
      client,
      stream: STREAM,
      retry: { initialMs: 50, maxMs: 1_000 },
    });
    try {
      const fromChild = outbox.lastRecorded();
      expect(fromChild).toBeGreaterThanOrEqual(printed.at(-1) as number);
      expect(outbox.shipped()).toBe(0);
      const recordingStarted = performance.now();
      const rest = await Promise.all(
        Array.from({ length: TOTAL - fromChild }, (_, k) =>
          outbox.append({
            kind: 'gate.decision',
            actor: 'agent:test',
            payload: { writer: 'test', i: k },
          }),
        ),
      );
      const recordingSeconds = (performance.now() - recordingStarted) / 1000;
      expect(rest.at(-1)).toBe(TOTAL);
      shipper.start();
      // While the ledger is down: nothing shipped, the error visible, the records waiting.
      const downDeadline = Date.now() + 20_000;
      while (shipper.status().lastError === undefined && Date.now() < downDeadline) await sleep(20);
      expect(shipper.status()).toMatchObject({
        state: 'running',
        connected: false,
        depth: TOTAL,
        lastShipped: 0,
        lastError: { code: 'BW_GATE_LEDGER_UNREACHABLE' },
      });

      // The ledger comes back on the same data and port.
      const second = await startLedger(dir, port);
      processes.push(second);
      const shippingStarted = performance.now();
      const shipDeadline = Date.now() + 60_000;
      while (shipper.status().lastShipped < TOTAL && Date.now() < shipDeadline) await sleep(20);
      const shippingSeconds = (performance.now() - shippingStarted) / 1000;
      expect(shipper.status()).toMatchObject({
        state: 'running',
        connected: true,
        depth: 0,
        lastShipped: TOTAL,
      });
      // In the ledger: outboxSeq 1..10000, each once, in order, each the record the outbox held.
      const entries = await readStream(base);
      const ledgerSeconds =
        (Date.parse(entries.at(-1)?.time ?? '') - Date.parse(entries[0]?.time ?? '')) / 1000;
      console.info(
        `outbox: ${TOTAL - fromChild} records in ${recordingSeconds.toFixed(2)} s ` +
          `(${Math.round((TOTAL - fromChild) / recordingSeconds)}/s, ${outbox.stats().syncs} syncs); ` +
          `all ${TOTAL} shipped ${shippingSeconds.toFixed(2)} s after the ledger was ready, ` +
          `first to last entry ${ledgerSeconds.toFixed(2)} s (${Math.round(TOTAL / Math.max(ledgerSeconds, 0.001))}/s)`,
      );
      expect(entries.map((e) => e.payload.outboxSeq)).toEqual(
        Array.from({ length: TOTAL }, (_, i) => i + 1),
      );
      expect(entries.every((e, i) => i === 0 || e.seq > (entries[i - 1] as StreamEntry).seq)).toBe(
        true,
      );
      // Every record the killed gate acknowledged is there, as it recorded it.
      for (const n of printed) {
        expect(entries[n - 1]?.payload).toMatchObject({ writer: 'child', i: n - 1 });
      }
      expect(entries[TOTAL - 1]?.payload).toMatchObject({ writer: 'test' });
      const report = (await (await fetch(`${base}/v1/ledger/verify`)).json()) as {
        valid: boolean;
      };
      expect(report.valid).toBe(true);

      second.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await shipper.stop();
      await client.close();
      await outbox.close();
    }
  });
});
