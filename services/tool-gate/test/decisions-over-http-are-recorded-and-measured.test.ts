import { join } from 'node:path';
import { FileOutbox } from '@bulwark/gate';
import type { Service } from '@bulwark/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openToolGateService } from '../src/index.js';
import {
  call,
  type DecisionAnswer,
  type GateView,
  type Health,
  type Keystore,
  openKeystore,
  type Problem,
  sample,
  signedTransition,
  silentLog,
  tempDir,
  waitFor,
} from './tool-gate-fixtures.js';

// The reference policy (services/tool-gate/policy/reference.policy.yaml) over real sockets: what
// each mode answers, what a bad body answers, and that every answer is in the outbox and counted.

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let work: Awaited<ReturnType<typeof tempDir>>;
let keys: Keystore;
let service: Service | undefined;
let base: string;
let stateDir: string;
/** Every decision answered, in the order answered (one request at a time). */
const answered: DecisionAnswer[] = [];

beforeAll(async () => {
  work = await tempDir('bw-tool-gate-http-');
  keys = await openKeystore(join(work.dir, 'keys'));
  await keys.signer('gate-operator');
  stateDir = join(work.dir, 'state');
  service = await openToolGateService(
    {
      BULWARK_GATE_STATE_DIR: stateDir,
      BULWARK_KEYS_DIR: keys.dir,
      PORT: '0',
      BULWARK_READINESS_INTERVAL_MS: '50',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    },
    { logDestination: silentLog, handleProcessSignals: false },
  );
  const { port } = await service.listen();
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await service?.shutdown();
  await keys?.close();
  await work?.remove();
});

async function decide(input: Record<string, unknown>): Promise<DecisionAnswer> {
  const answer = await call<DecisionAnswer>('POST', `${base}/v1/decisions`, input);
  expect(answer.status).toBe(200);
  answered.push(answer.body);
  return answer.body;
}

const gateView = async () => (await call<GateView>('GET', `${base}/v1/gate`)).body;
const metrics = async () => (await call('GET', `${base}/metrics`)).text;
const egress = async (destination: Record<string, unknown>) =>
  (
    await call<{ allow: boolean; ruleId?: string; mode: string; reason: string }>(
      'POST',
      `${base}/v1/egress/check`,
      destination,
    )
  ).body;

describe('POST /v1/decisions with the reference policy', () => {
  it('in PUB allows items.read, denies web.fetch by rule and anything unlisted by default', async () => {
    const gate = await gateView();
    expect(gate).toMatchObject({ gate: 'tool-gate', mode: 'PUB', counter: 0, policyVersion: 1 });
    expect(gate.policyDigest).toMatch(/^[0-9a-f]{64}$/);

    const read = await decide({ tool: 'items', action: 'read', subject: 'alice' });
    const fetch = await decide({
      tool: 'web',
      action: 'fetch',
      subject: 'alice',
      resource: 'https://example.com/page',
    });
    const shell = await decide({ tool: 'shell', action: 'run', subject: 'alice' });
    expect(read).toMatchObject({ allow: true, effect: 'allow', ruleId: 'items-read' });
    expect(fetch).toMatchObject({ allow: false, effect: 'deny', ruleId: 'no-fetch-in-pub' });
    expect(fetch.reason).toContain('PUB mode fetches nothing');
    expect(shell).toMatchObject({ allow: false, effect: 'deny' });
    expect(shell.ruleId).toBeUndefined();
    for (const decision of [read, fetch, shell]) {
      expect(decision.id).toMatch(UUID_V7);
      expect(decision).toMatchObject({
        mode: 'PUB',
        counter: 0,
        policyVersion: 1,
        policyDigest: gate.policyDigest,
      });
      expect(Date.parse(decision.time)).not.toBeNaN();
    }
    // Time-ordered ids: each later answer has a larger id.
    expect([read.id, fetch.id, shell.id]).toEqual([read.id, fetch.id, shell.id].sort());
    expect(new Set([read.id, fetch.id, shell.id]).size).toBe(3);
  });

  it('in PUB refuses every egress destination', async () => {
    const https = await egress({ scheme: 'https', host: 'example.com', port: 443 });
    expect(https).toMatchObject({ allow: false, mode: 'PUB', policyVersion: 1 });
    expect(https.reason).toContain("mode PUB's allow-list");
    expect(await egress({ address: '127.0.0.1', port: 8080 })).toMatchObject({ allow: false });
  });

  it('after a signed transition to WORK answers allow, deny, default deny and approval', async () => {
    const operator = await keys.signer('gate-operator');
    const switched = await call<GateView>(
      'POST',
      `${base}/v1/gate/transitions`,
      await signedTransition({ to: 'WORK', counter: 1, signers: [operator] }),
    );
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ mode: 'WORK', counter: 1 });

    const allowed = await decide({
      tool: 'web',
      action: 'fetch',
      subject: 'bob',
      resource: 'https://example.com/docs',
    });
    const metadata = await decide({
      tool: 'web',
      action: 'fetch',
      subject: 'bob',
      resource: 'http://169.254.169.254/latest/meta-data',
    });
    const unlisted = await decide({
      tool: 'web',
      action: 'fetch',
      subject: 'bob',
      resource: 'https://evil.example.org/',
    });
    const shell = await decide({
      tool: 'shell',
      action: 'run',
      subject: 'bob',
      args: { command: 'ls' },
    });
    expect(allowed).toMatchObject({ allow: true, effect: 'allow', ruleId: 'fetch-allow-listed' });
    expect(metadata).toMatchObject({
      allow: false,
      effect: 'deny',
      ruleId: 'no-metadata-endpoint',
    });
    expect(unlisted).toMatchObject({ allow: false, effect: 'deny' });
    expect(unlisted.ruleId).toBeUndefined();
    expect(shell).toMatchObject({
      allow: false,
      effect: 'approval',
      ruleId: 'shell-needs-approval',
    });
    for (const decision of [allowed, metadata, unlisted, shell]) {
      expect(decision).toMatchObject({ mode: 'WORK', counter: 1, policyVersion: 1 });
    }
  });

  it('in WORK allows only the allow-listed destinations, and not a name rebound to an internal address', async () => {
    expect(await egress({ scheme: 'https', host: 'example.com', port: 443 })).toMatchObject({
      allow: true,
      ruleId: 'example',
      mode: 'WORK',
    });
    // Listed for https only.
    expect(await egress({ scheme: 'http', host: 'example.com', port: 80 })).toMatchObject({
      allow: false,
    });
    expect(await egress({ address: '127.0.0.1', port: 9999 })).toMatchObject({
      allow: true,
      ruleId: 'loopback',
    });
    expect(await egress({ address: '169.254.169.254', port: 80 })).toMatchObject({
      allow: false,
    });
    const rebound = await egress({
      scheme: 'https',
      host: 'example.com',
      address: '169.254.169.254',
      port: 443,
    });
    expect(rebound.allow).toBe(false);
    expect(rebound.reason).toContain('169.254.169.254');
  });

  it('answers 400 problem+json with an error id for bad bodies, and records nothing for them', async () => {
    const before = await gateView();
    const beforeMetrics = await metrics();
    const bad: [string, string][] = [
      ['unknown field', JSON.stringify({ tool: 'items', action: 'read', subject: 'a', x: 1 })],
      ['missing tool', JSON.stringify({ action: 'read', subject: 'a' })],
      ['wrong type', JSON.stringify({ tool: 'items', action: 'read', subject: 7 })],
      ['empty tool', JSON.stringify({ tool: '', action: 'read', subject: 'a' })],
      [
        'huge resource',
        JSON.stringify({ tool: 'web', action: 'fetch', subject: 'a', resource: 'x'.repeat(5000) }),
      ],
      ['args not an object', JSON.stringify({ tool: 'a', action: 'b', subject: 'c', args: [1] })],
      ['not JSON', '{"tool": "items", '],
      ['an array', '[]'],
    ];
    const errorIds = new Set<string>();
    for (const [label, raw] of bad) {
      const answer = await call<Problem>('POST', `${base}/v1/decisions`, undefined, { raw });
      expect(answer.status, label).toBe(400);
      expect(answer.headers['content-type'], label).toMatch(/^application\/problem\+json/);
      expect(answer.body, label).toMatchObject({
        status: 400,
        code: expect.stringMatching(/^BW_/),
      });
      expect(answer.body.errorId, label).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.text, label).not.toMatch(/\n\s+at /);
      errorIds.add(answer.body.errorId);
    }
    expect(errorIds.size).toBe(bad.length);
    const unknown = await call<Problem & { errors: { pointer: string }[] }>(
      'POST',
      `${base}/v1/decisions`,
      { tool: 'items', action: 'read', subject: 'a', sneaky: true },
    );
    expect(unknown.body.code).toBe('BW_VALIDATION');
    expect(unknown.body.errors).toEqual([expect.objectContaining({ pointer: '#/sneaky' })]);

    for (const destination of [
      { address: '127.0.0.1', port: 0 },
      { scheme: 'ftp', host: 'example.com', port: 21 },
      { host: 'example.com', port: 443, extra: 1 },
      { host: 'example.com' },
    ]) {
      const answer = await call<Problem>('POST', `${base}/v1/egress/check`, destination);
      expect(answer.status, JSON.stringify(destination)).toBe(400);
      expect(answer.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    }

    // Nothing was decided: the outbox and the counters did not move.
    expect((await gateView()).outbox.depth).toBe(before.outbox.depth);
    const afterMetrics = await metrics();
    expect(sample(afterMetrics, 'policy_decision_latency_seconds_count')).toBe(
      sample(beforeMetrics, 'policy_decision_latency_seconds_count'),
    );
  });

  it('measures every decision in /metrics by result and mode, with mode, policy version and outbox depth', async () => {
    const text = await metrics();
    const count = (effect: string, mode: string) =>
      answered.filter((d) => d.effect === effect && d.mode === mode).length;
    for (const [effect, mode] of [
      ['allow', 'PUB'],
      ['deny', 'PUB'],
      ['allow', 'WORK'],
      ['deny', 'WORK'],
      ['approval', 'WORK'],
    ] as const) {
      expect(
        sample(text, 'gate_decisions_total', { result: effect, mode }),
        `${effect}/${mode}`,
      ).toBe(count(effect, mode));
    }
    expect(sample(text, 'gate_decisions_total', { result: 'backpressure', mode: 'WORK' })).toBe(
      undefined,
    );
    expect(sample(text, 'policy_decision_latency_seconds_count')).toBe(answered.length);
    expect(sample(text, 'policy_decision_latency_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'gate_mode', { mode: 'WORK' })).toBe(1);
    expect(sample(text, 'gate_mode', { mode: 'PUB' })).toBe(0);
    expect(sample(text, 'gate_policy_version')).toBe(1);
    expect(sample(text, 'gate_transitions_total', { result: 'accepted' })).toBe(1);
    // The start-up bundle install, the transition and each decision: none shipped (no ledger).
    const depth = 2 + answered.length;
    expect(sample(text, 'gate_outbox_depth')).toBe(depth);
    expect((await gateView()).outbox).toMatchObject({
      depth,
      max_records: 1_000_000,
      ledger: 'not configured',
    });
  });

  it('shows the decision outbox in /health with its depth', async () => {
    const depth = 2 + answered.length;
    const outbox = await waitFor('the outbox component at its depth', async () => {
      const health = await call<Health>('GET', `${base}/health`);
      const component = health.body.components.find((c) => c.name === 'gate-decision-outbox');
      return component?.details?.depth === depth ? { health, component } : undefined;
    });
    expect(outbox.health.status).toBe(200);
    expect(outbox.health.body.status).toBe('pass');
    expect(outbox.component).toMatchObject({
      critical: false,
      status: 'pass',
      details: { depth, max_records: 1_000_000, ledger: 'not configured' },
    });
  });

  it('holds each answered decision in the durable outbox, in the order answered', async () => {
    await service?.shutdown();
    service = undefined;
    const outbox = await FileOutbox.open({ dir: join(stateDir, 'outbox'), maxRecords: 1000 });
    try {
      const records = await outbox.pending(1000);
      expect(records.map((r) => r.n)).toEqual(records.map((_, i) => i + 1));
      expect(records.map((r) => r.kind)).toEqual([
        'gate.bundle.installed',
        'gate.decision',
        'gate.decision',
        'gate.decision',
        'gate.transition.accepted',
        'gate.decision',
        'gate.decision',
        'gate.decision',
        'gate.decision',
      ]);
      const decisions = records.filter((r) => r.kind === 'gate.decision');
      expect(decisions.map((r) => r.payload.id)).toEqual(answered.map((d) => d.id));
      expect(decisions.map((r) => [r.payload.effect, r.payload.mode])).toEqual(
        answered.map((d) => [d.effect, d.mode]),
      );
      expect(decisions[0]?.actor).toBe('alice');
      expect(decisions.at(-1)?.payload).toMatchObject({ tool: 'shell', action: 'run' });
    } finally {
      await outbox.close();
    }
  });
});
