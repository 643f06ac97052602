import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerBatchClient } from '../src/decisions/ledger-client.js';
import { FileOutbox } from '../src/decisions/outbox.js';
import { OutboxShipper } from '../src/decisions/shipper.js';

const LEDGER_MAIN = fileURLToPath(new URL('../../../services/ledger/src/main.ts', import.meta.url));
const RECORDER = fileURLToPath(new URL('./children/outbox-recorder.ts', import.meta.url));

type ReplyAction = 'forward' | 'cut' | 'swallow';

/**
 * A TCP link to the ledger that can fail the way networks do: lose a reply after the ledger
 * committed (cut the connection, or never deliver it), or hold a request back and deliver it
 * later, after its sender gave up on it.
 */
class FlakyLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #target: number;
  port = 0;
  /** Decides, from a reply's status line, whether the sender gets it. */
  replyAction: (statusLine: string) => ReplyAction = () => 'forward';
  /** Decides, from a request's first line, whether to hold it back (with the rest of its connection). */
  holdRequest: (requestLine: string) => boolean = () => false;
  #held: Buffer[] = [];

  constructor(target: number) {
    this.#target = target;
    this.#server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      let holding = false;
      let swallowing = false;
      client.on('data', (chunk: Buffer) => {
        if (!holding && this.holdRequest(firstLine(chunk))) holding = true;
        if (holding) this.#held.push(chunk);
        else upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (swallowing) return;
        const line = firstLine(chunk);
        const action = line.startsWith('HTTP/') ? this.replyAction(line) : 'forward';
        if (action === 'cut') {
          client.destroy();
          upstream.destroy();
        } else if (action === 'swallow') {
          swallowing = true;
        } else {
          client.write(chunk);
        }
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async listen(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as { port: number }).port;
  }

  /** Delivers the held request now, on a new connection; resolves with the reply's status line. */
  async releaseHeld(): Promise<string> {
    const socket = connect(this.#target, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(Buffer.concat(this.#held));
    this.#held = [];
    let reply = '';
    for await (const chunk of socket) {
      reply += (chunk as Buffer).toString('latin1');
      if (reply.includes('\r\n')) break;
    }
    socket.destroy();
    return firstLine(Buffer.from(reply, 'latin1'));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
  }
}

const firstLine = (chunk: Buffer): string => {
  const text = chunk.toString('latin1', 0, Math.min(chunk.length, 200));
  const end = text.indexOf('\r\n');
  return end < 0 ? text : text.slice(0, end);
};

interface StreamEntry {
  seq: number;
  payload: { outboxSeq: number; i: number };
}

describe('the shipper resumes without duplicates after an uncertain send', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-shipper-uncertain-'));
  let ledger: SpawnedProcess;
  let base: string;
  let ledgerPort: number;
  const outboxes: FileOutbox[] = [];
  const children: SpawnedProcess[] = [];

  beforeAll(async () => {
    ledgerPort = await freePort();
    base = `http://127.0.0.1:${ledgerPort}`;
    ledger = spawnTs(LEDGER_MAIN, {
      PORT: String(ledgerPort),
      BULWARK_LEDGER_DATA_DIR: join(dir, 'ledger'),
      BULWARK_KEYS_DIR: join(dir, 'keys'),
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '0',
      BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '0',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      BULWARK_LOG_LEVEL: 'warn',
    });
    await ledger.waitForLine((line) => line.includes('ready on http'), 60_000);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const outbox of outboxes) await outbox.close();
    ledger?.kill('SIGTERM');
    await ledger?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  const openOutbox = async (name: string) => {
    const outbox = await FileOutbox.open({ dir: join(dir, name), maxRecords: 100_000 });
    outboxes.push(outbox);
    return outbox;
  };
  const recordMany = (outbox: FileOutbox, count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        outbox.append({ kind: 'gate.decision', actor: 'agent:test', payload: { i } }),
      ),
    );
  const readStream = async (stream: string): Promise<StreamEntry[]> => {
    const entries: StreamEntry[] = [];
    let from: number | null = 1;
    while (from !== null) {
      const page = (await (
        await fetch(`${base}/v1/ledger/entries?stream=${stream}&from=${from}&limit=1000`)
      ).json()) as { entries: StreamEntry[]; next: number | null };
      entries.push(...page.entries);
      from = page.next;
    }
    return entries;
  };
  const untilShipped = async (shipper: OutboxShipper, n: number) => {
    const deadline = Date.now() + 30_000;
    while (shipper.status().lastShipped < n && Date.now() < deadline) await sleep(10);
    expect(shipper.status().lastShipped).toBe(n);
  };
  const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('skips a batch the ledger committed when the reply was lost on the way back', async () => {
    const stream = 'gate-lost-reply';
    const link = new FlakyLink(ledgerPort);
    await link.listen();
    let cut = 0;
    link.replyAction = (status) =>
      status.startsWith('HTTP/1.1 201') && cut++ === 0 ? 'cut' : 'forward';
    const outbox = await openOutbox('lost-reply');
    await recordMany(outbox, 1_200);
    const client = new LedgerBatchClient({ url: `http://127.0.0.1:${link.port}` });
    const shipper = new OutboxShipper({
      outbox,
      client,
      stream,
      retry: { initialMs: 20, maxMs: 200 },
    });
    try {
      shipper.start();
      await untilShipped(shipper, 1_200);
      expect(cut).toBeGreaterThanOrEqual(2); // the cut reply, and at least one forwarded after it
      const entries = await readStream(stream);
      expect(entries.map((e) => e.payload.outboxSeq)).toEqual(oneToN(1_200));
      expect(entries.map((e) => e.payload.i)).toEqual(oneToN(1_200).map((n) => n - 1));
    } finally {
      await shipper.stop();
      await client.close();
      await link.close();
    }
  });

  it('skips a batch the ledger committed when the shipping process was killed -9 before its acknowledgement', async () => {
    const stream = 'gate-killed-shipper';
    const outboxDir = join(dir, 'killed-shipper');
    const link = new FlakyLink(ledgerPort);
    await link.listen();
    let committed: () => void = () => undefined;
    const replyWithheld = new Promise<void>((resolve) => {
      committed = resolve;
    });
    link.replyAction = (status) => {
      if (!status.startsWith('HTTP/1.1 201')) return 'forward';
      committed();
      return 'swallow';
    };
    const gate = spawnTs(RECORDER, {
      OUTBOX_DIR: outboxDir,
      RECORDS: '1500',
      CONCURRENCY: '16',
      LEDGER_URL: `http://127.0.0.1:${link.port}`,
      STREAM: stream,
    });
    children.push(gate);
    const gateClosed = once(gate.child, 'close');
    // The ledger has committed the first batch; its reply never reaches the gate, which dies.
    await replyWithheld;
    gate.kill('SIGKILL');
    await gate.exited;
    await gateClosed;
    await link.close();
    const printed = gate.lines.filter((l) => l.startsWith('acked ')).map((l) => Number(l.slice(6)));

    const landed = await readStream(stream);
    expect(landed.length).toBeGreaterThan(0);
    const outbox = await openOutbox('killed-shipper');
    // The uncertain state: the ledger holds records the outbox never saw acknowledged.
    expect(outbox.shipped()).toBe(0);
    expect(outbox.lastRecorded()).toBeGreaterThanOrEqual(landed.length);
    expect(outbox.lastRecorded()).toBeGreaterThanOrEqual(Math.max(0, ...printed));
    const recorded = outbox.lastRecorded();

    const client = new LedgerBatchClient({ url: base });
    const shipper = new OutboxShipper({ outbox, client, stream });
    try {
      shipper.start();
      await untilShipped(shipper, recorded);
      const entries = await readStream(stream);
      expect(entries.map((e) => e.payload.outboxSeq)).toEqual(oneToN(recorded));
      expect(entries.slice(0, landed.length)).toEqual(landed);
    } finally {
      await shipper.stop();
      await client.close();
    }
  });

  it('refuses the late copy of a batch that was resent after a timeout', async () => {
    const stream = 'gate-late-copy';
    const link = new FlakyLink(ledgerPort);
    await link.listen();
    let heldOne = false;
    link.holdRequest = (line) => {
      if (heldOne || !line.startsWith('POST /v1/ledger/batches')) return false;
      heldOne = true;
      return true;
    };
    const outbox = await openOutbox('late-copy');
    await recordMany(outbox, 300);
    // A short deadline: the held send times out, and the shipper resends.
    const client = new LedgerBatchClient({
      url: `http://127.0.0.1:${link.port}`,
      timeoutMs: 1_000,
    });
    const shipper = new OutboxShipper({
      outbox,
      client,
      stream,
      retry: { initialMs: 20, maxMs: 200 },
    });
    try {
      shipper.start();
      await untilShipped(shipper, 300);
      expect(heldOne).toBe(true);
      // The first copy now reaches the ledger: conditional on the stream being empty, it is refused.
      expect(await link.releaseHeld()).toMatch(/^HTTP\/1\.1 409/);
      const entries = await readStream(stream);
      expect(entries.map((e) => e.payload.outboxSeq)).toEqual(oneToN(300));
      expect(shipper.status()).toMatchObject({ state: 'running', connected: true, depth: 0 });
    } finally {
      await shipper.stop();
      await client.close();
      await link.close();
    }
  });
});
