import { join } from 'node:path';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  call,
  type DecisionAnswer,
  type GateView,
  killAll,
  type RunningService,
  startLedger,
  startService,
  TOOL_GATE_MAIN,
  tempDir,
  waitFor,
} from './tool-gate-fixtures.js';

// The acceptance: with the ledger down, the gate answers 10,000 decisions, is killed -9
// partway and restarted, and once the ledger is back every answered decision is in the ledger's
// tool-gate stream exactly once, in order, in a chain that verifies.

const TOTAL = 10_000;
const KILL_AFTER = 4_000;
const CONNECTIONS = 16;
const WARM_UP = 50;

interface LedgerEntry {
  seq: number;
  stream: string;
  kind: string;
  actor: string;
  payload: Record<string, unknown> & { outboxSeq: number };
}

/** One answered decision and who asked for it. */
interface Answered {
  readonly decision: DecisionAnswer;
  readonly tag: string;
  readonly connection: number;
}

let work: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  work = await tempDir('bw-tool-gate-outage-');
});

afterAll(async () => {
  await killAll();
  await work?.remove();
});

/**
 * Sends decisions over CONNECTIONS keep-alive connections, one request in flight on each, so
 * every connection's answers come in the order it asked. A request whose connection breaks (the
 * gate was killed) is returned as unanswered; the driver then stops that connection.
 */
class DecisionLoad {
  readonly answered: Answered[] = [];
  /** Requests sent that never got an answer (in flight when the gate died). */
  readonly unanswered: string[] = [];
  readonly statuses = new Map<number, number>();
  #next = 0;

  async run(base: string, more: () => boolean, afterEach: () => void = () => undefined) {
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, connection) => {
        const client = new Client(base, { pipelining: 1 });
        try {
          while (more()) {
            const tag = `req-${this.#next++}`;
            // Two kinds of call, so the stream holds both allow and deny answers.
            const body =
              this.#next % 2 === 0
                ? { tool: 'items', action: 'read', subject: `conn-${connection}`, resource: tag }
                : { tool: 'web', action: 'fetch', subject: `conn-${connection}`, resource: tag };
            let decision: DecisionAnswer;
            try {
              const response = await client.request({
                method: 'POST',
                path: '/v1/decisions',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(body),
              });
              this.statuses.set(
                response.statusCode,
                (this.statuses.get(response.statusCode) ?? 0) + 1,
              );
              decision = (await response.body.json()) as DecisionAnswer;
            } catch {
              this.unanswered.push(tag);
              return;
            }
            this.answered.push({ decision, tag, connection });
            afterEach();
          }
        } finally {
          await client.destroy().catch(() => undefined);
        }
      }),
    );
  }
}

async function readStream(ledger: string, stream: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let from: number | null = 1;
  while (from !== null) {
    const page: Answer<{ entries: LedgerEntry[]; next: number | null }> = await call(
      'GET',
      `${ledger}/v1/ledger/entries?stream=${stream}&from=${from}&limit=1000`,
    );
    expect(page.status).toBe(200);
    entries.push(...page.body.entries);
    from = page.body.next;
  }
  return entries;
}

describe('decisions answered while the ledger is down', () => {
  it('all reach the ledger exactly once, in order, across a kill -9 of the gate', async () => {
    const ledgerData = join(work.dir, 'ledger');
    const ledgerKeys = join(work.dir, 'ledger-keys');
    let ledger: RunningService = await startLedger(ledgerData, ledgerKeys);
    const gateEnv = {
      BULWARK_GATE_STATE_DIR: join(work.dir, 'gate-state'),
      BULWARK_KEYS_DIR: join(work.dir, 'gate-keys'),
      BULWARK_LEDGER_URL: ledger.url,
      // Ten thousand access-log lines would only cost CPU here.
      BULWARK_ACCESS_LOG: 'off',
    };
    let gate = await startService(TOOL_GATE_MAIN, gateEnv);
    const depth = async () => (await call<GateView>('GET', `${gate.url}/v1/gate`)).body.outbox;

    // With the ledger up, a few decisions are shipped as they come.
    const load = new DecisionLoad();
    await load.run(gate.url, () => load.answered.length + CONNECTIONS <= WARM_UP);
    await waitFor('the warm-up shipped', async () =>
      (await depth()).depth === 0 ? true : undefined,
    );
    expect((await depth()).ledger_connected).toBe(true);

    // The ledger goes away.
    expect(await ledger.stop('SIGTERM')).toBe(0);

    // Decisions go on being answered; the gate is killed -9 with requests in flight.
    let killed = false;
    await load.run(
      gate.url,
      () => !killed,
      () => {
        if (!killed && load.answered.length >= KILL_AFTER) {
          killed = true;
          gate.proc.kill('SIGKILL');
        }
      },
    );
    expect(await gate.proc.exited).toBe('SIGKILL');
    const answeredBeforeKill = load.answered.length;
    expect(answeredBeforeKill).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(load.unanswered.length).toBeLessThanOrEqual(CONNECTIONS);

    // Restarted on the same state directory, still without the ledger: the rest are answered.
    gate = await startService(TOOL_GATE_MAIN, gateEnv, gate.port);
    let tickets = TOTAL - load.answered.length;
    await load.run(gate.url, () => tickets-- > 0);
    expect(load.answered.length).toBe(TOTAL);
    expect([...load.statuses.keys()]).toEqual([200]);
    const effects = new Set(load.answered.map((a) => a.decision.effect));
    expect(effects).toEqual(new Set(['allow', 'deny']));
    const pending = await depth();
    expect(pending.depth).toBeGreaterThanOrEqual(TOTAL - WARM_UP);
    expect(pending.ledger_connected).toBe(false);

    // The ledger comes back on its data directory; the outbox drains into it.
    ledger = await startLedger(ledgerData, ledgerKeys, ledger.port);
    await waitFor(
      'the outbox to drain into the ledger',
      async () => ((await depth()).depth === 0 ? true : undefined),
      60_000,
      200,
    );

    const entries = await readStream(ledger.url, 'tool-gate');
    // outboxSeq: 1, 2, 3 ... with no gap and no repeat, in ledger order.
    expect(entries.map((e) => e.payload.outboxSeq)).toEqual(entries.map((_, i) => i + 1));
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!.seq).toBeGreaterThan(entries[i - 1]!.seq);
    }
    expect(entries[0]?.kind).toBe('gate.bundle.installed');
    const decisions = entries.filter((e) => e.kind === 'gate.decision');
    expect(decisions.length).toBe(entries.length - 1);

    const position = new Map<string, number>();
    for (const [i, entry] of decisions.entries()) {
      const id = entry.payload.id as string;
      expect(position.has(id), `decision ${id} appears twice`).toBe(false);
      position.set(id, i);
    }
    // Every answered decision is there, as answered.
    for (const { decision, tag, connection } of load.answered) {
      const at = position.get(decision.id);
      expect(at, `answered decision ${decision.id} (${tag}) is missing`).toBeDefined();
      const recorded = decisions[at as number]!;
      expect(recorded.actor).toBe(`conn-${connection}`);
      expect(recorded.payload).toMatchObject({
        resource: tag,
        effect: decision.effect,
        allow: decision.allow,
        mode: 'PUB',
      });
    }
    // Anything else was made durable but its answer was lost with the killed gate: it can only
    // be one of the requests in flight at the kill.
    const answeredIds = new Set(load.answered.map((a) => a.decision.id));
    const extras = decisions.filter((d) => !answeredIds.has(d.payload.id as string));
    expect(extras.length).toBeLessThanOrEqual(load.unanswered.length);
    for (const extra of extras) expect(load.unanswered).toContain(extra.payload.resource);
    expect(decisions.length).toBe(TOTAL + extras.length);

    // Per connection, the ledger holds the answers in the order they were given.
    for (let connection = 0; connection < CONNECTIONS; connection++) {
      const order = load.answered
        .filter((a) => a.connection === connection)
        .map((a) => position.get(a.decision.id) as number);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Decision ids are time-ordered, and so is the stream.
    const ids = decisions.map((d) => d.payload.id as string);
    expect(ids).toEqual([...ids].sort());

    const verify = await call<{ valid: boolean }>('GET', `${ledger.url}/v1/ledger/verify`);
    expect(verify.status).toBe(200);
    expect(verify.body.valid).toBe(true);

    expect(await gate.stop('SIGTERM')).toBe(0);
    expect(await ledger.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
