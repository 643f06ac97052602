import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePolicy } from '@bulwark/gate';
import type { Service } from '@bulwark/kit';
import { freePort } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openToolGateService, REFERENCE_POLICY } from '../src/index.js';
import {
  call,
  type DecisionAnswer,
  type GateView,
  type Health,
  type Keystore,
  killAll,
  openKeystore,
  type Problem,
  sample,
  signedTransition,
  silentLog,
  startLedger,
  tempDir,
  waitFor,
} from './tool-gate-fixtures.js';

// A gate whose outbox is at its bound answers deny (effect `backpressure`, Retry-After) rather
// than drop a record or take a decision it cannot record; it says so in /metrics and /health,
// and answers normally again once the ledger has taken the records.

let work: Awaited<ReturnType<typeof tempDir>>;
let keys: Keystore;

beforeAll(async () => {
  work = await tempDir('bw-tool-gate-full-');
  keys = await openKeystore(join(work.dir, 'keys'));
  await keys.signer('gate-operator');
});

afterAll(async () => {
  await killAll();
  await keys?.close();
  await work?.remove();
});

async function openGate(env: Record<string, string>) {
  const service = await openToolGateService(
    {
      BULWARK_KEYS_DIR: keys.dir,
      PORT: '0',
      BULWARK_READINESS_INTERVAL_MS: '50',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      ...env,
    },
    { logDestination: silentLog, handleProcessSignals: false },
  );
  const { port } = await service.listen();
  return { service, base: `http://127.0.0.1:${port}` };
}

const READ = { tool: 'items', action: 'read', subject: 'alice' };

describe('a gate without a ledger and an outbox bound of 50', () => {
  const MAX = 50;
  const stateDir = () => join(work.dir, 'state-no-ledger');
  let service: Service | undefined;
  let base: string;
  const answers: { decision: DecisionAnswer; retryAfter: unknown }[] = [];

  beforeAll(async () => {
    ({ service, base } = await openGate({
      BULWARK_GATE_STATE_DIR: stateDir(),
      BULWARK_GATE_OUTBOX_MAX_RECORDS: String(MAX),
    }));
  });
  afterAll(async () => {
    await service?.shutdown();
  });

  const decide = async (input = READ) => {
    const answer = await call<DecisionAnswer>('POST', `${base}/v1/decisions`, input);
    expect(answer.status).toBe(200);
    return { decision: answer.body, retryAfter: answer.headers['retry-after'] };
  };

  it('answers normally up to the bound, then deny with effect backpressure and Retry-After', async () => {
    const before = (await call<GateView>('GET', `${base}/v1/gate`)).body.outbox;
    // The start-up bundle install is the first record.
    expect(before).toMatchObject({ depth: 1, max_records: MAX });
    for (let i = 0; i < MAX + 10; i++) answers.push(await decide());

    const normal = answers.slice(0, MAX - 1);
    const refused = answers.slice(MAX - 1);
    for (const { decision, retryAfter } of normal) {
      expect(decision).toMatchObject({ allow: true, effect: 'allow', ruleId: 'items-read' });
      expect(retryAfter).toBeUndefined();
    }
    expect(refused).toHaveLength(11);
    for (const { decision, retryAfter } of refused) {
      expect(decision).toMatchObject({
        allow: false,
        effect: 'backpressure',
        mode: 'PUB',
        policyVersion: 1,
      });
      expect(decision.ruleId).toBeUndefined();
      expect(decision.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(decision.reason).toContain('outbox is full');
      expect(retryAfter).toBe('1');
    }
    expect((await call<GateView>('GET', `${base}/v1/gate`)).body.outbox.depth).toBe(MAX);
  });

  it('refuses a burst of concurrent decisions the same way, all of them', async () => {
    const burst = await Promise.all(
      Array.from({ length: 20 }, () =>
        call<DecisionAnswer>('POST', `${base}/v1/decisions`, {
          tool: 'web',
          action: 'fetch',
          subject: 'bob',
          resource: 'https://example.com/',
        }),
      ),
    );
    for (const answer of burst) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ allow: false, effect: 'backpressure' });
      expect(answer.headers['retry-after']).toBe('1');
    }
  });

  it('counts the refusals in gate_decisions_total and shows the full outbox in /metrics and /health', async () => {
    const text = (await call('GET', `${base}/metrics`)).text;
    expect(sample(text, 'gate_decisions_total', { result: 'backpressure', mode: 'PUB' })).toBe(31);
    expect(sample(text, 'gate_decisions_total', { result: 'allow', mode: 'PUB' })).toBe(MAX - 1);
    expect(sample(text, 'gate_outbox_depth')).toBe(MAX);
    expect(sample(text, 'gate_outbox_max_records')).toBe(MAX);

    const health = await waitFor('the outbox component to warn', async () => {
      const answer = await call<Health>('GET', `${base}/health`);
      const outbox = answer.body.components.find((c) => c.name === 'gate-decision-outbox');
      return outbox?.status === 'fail' ? { answer, outbox } : undefined;
    });
    // Non-critical: the gate stays in rotation (denying is the safe answer), and says why.
    expect(health.answer.status).toBe(200);
    expect(health.answer.body.status).toBe('warn');
    expect(health.outbox).toMatchObject({
      critical: false,
      details: { depth: MAX, max_records: MAX, ledger: 'not configured' },
    });
    expect(health.outbox.error).toContain(`holds ${MAX} of ${MAX} records`);
    expect((await call('GET', `${base}/ready`)).status).toBe(200);
  });

  it('refuses a mode transition or a bundle it cannot record, and changes nothing', async () => {
    const operator = await keys.signer('gate-operator');
    const transition = await call<Problem>(
      'POST',
      `${base}/v1/gate/transitions`,
      await signedTransition({ to: 'WORK', counter: 1, signers: [operator] }),
    );
    expect(transition.status).toBe(503);
    expect(transition.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(transition.body).toMatchObject({ code: 'BW_GATE_OUTBOX_FULL' });
    expect(transition.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    const v2 = parsePolicy(
      (await readFile(REFERENCE_POLICY, 'utf8')).replace(/^version: 1$/m, 'version: 2'),
      'reference policy, version 2',
    );
    const install = await call<Problem>('PUT', `${base}/v1/gate/policy`, v2);
    expect(install.status).toBe(503);
    expect(install.body).toMatchObject({ code: 'BW_GATE_OUTBOX_FULL' });
    expect((await call<GateView>('GET', `${base}/v1/gate`)).body).toMatchObject({
      mode: 'PUB',
      counter: 0,
      policyVersion: 1,
    });
  });

  it('is still full after a restart: the bound counts durable records', async () => {
    await service?.shutdown();
    ({ service, base } = await openGate({
      BULWARK_GATE_STATE_DIR: stateDir(),
      BULWARK_GATE_OUTBOX_MAX_RECORDS: String(MAX),
    }));
    const { decision, retryAfter } = await decide();
    expect(decision.effect).toBe('backpressure');
    expect(retryAfter).toBe('1');
    expect((await call<GateView>('GET', `${base}/v1/gate`)).body).toMatchObject({
      mode: 'PUB',
      counter: 0,
      // The refused install put the previous state back on disk, not only in memory.
      policyVersion: 1,
      outbox: { depth: MAX },
    });
  });
});

describe('a gate whose ledger is down, then back', () => {
  const MAX = 20;

  it('answers backpressure while the outbox is full, and allow again once the ledger drained it', async () => {
    const ledgerPort = await freePort();
    const { service, base } = await openGate({
      BULWARK_GATE_STATE_DIR: join(work.dir, 'state-ledger'),
      BULWARK_GATE_OUTBOX_MAX_RECORDS: String(MAX),
      BULWARK_LEDGER_URL: `http://127.0.0.1:${ledgerPort}`,
    });
    try {
      const answered: DecisionAnswer[] = [];
      for (let i = 0; i < MAX + 5; i++) {
        answered.push((await call<DecisionAnswer>('POST', `${base}/v1/decisions`, READ)).body);
      }
      const refused = answered.filter((d) => d.effect === 'backpressure');
      expect(refused).toHaveLength(6);
      const outbox = await waitFor(
        'the outbox component to name the unreachable ledger',
        async () => {
          const health = await call<Health>('GET', `${base}/health`);
          const component = health.body.components.find((c) => c.name === 'gate-decision-outbox');
          // The probe's message is from its last round, which may predate the last decisions.
          return component?.status === 'fail' &&
            component.details?.ledger_connected === false &&
            component.error?.includes(`holds ${MAX} of ${MAX}`)
            ? component
            : undefined;
        },
      );
      expect(outbox.status).toBe('fail');
      expect(outbox.error).toContain(`holds ${MAX} of ${MAX}`);

      const ledger = await startLedger(
        join(work.dir, 'ledger'),
        join(work.dir, 'ledger-keys'),
        ledgerPort,
      );
      await waitFor(
        'the outbox to drain',
        async () =>
          (await call<GateView>('GET', `${base}/v1/gate`)).body.outbox.depth === 0
            ? true
            : undefined,
        30_000,
        100,
      );
      const after = await call<DecisionAnswer>('POST', `${base}/v1/decisions`, READ);
      expect(after.body).toMatchObject({ allow: true, effect: 'allow' });
      expect(after.headers['retry-after']).toBeUndefined();

      // The ledger holds what was decided, and none of the refusals: they were never decisions.
      await waitFor('the last decision shipped', async () =>
        (await call<GateView>('GET', `${base}/v1/gate`)).body.outbox.depth === 0 ? true : undefined,
      );
      const stream = await call<{ entries: { kind: string; payload: { id?: string } }[] }>(
        'GET',
        `${ledger.url}/v1/ledger/entries?stream=tool-gate&limit=1000`,
      );
      const shippedIds = stream.body.entries
        .filter((e) => e.kind === 'gate.decision')
        .map((e) => e.payload.id);
      const decidedIds = [...answered, after.body]
        .filter((d) => d.effect !== 'backpressure')
        .map((d) => d.id);
      expect(shippedIds).toEqual(decidedIds);
      for (const { id } of refused) expect(shippedIds).not.toContain(id);
      await ledger.stop('SIGTERM');
    } finally {
      await service.shutdown();
    }
  });
});
