import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { approveTransition, createTransitionRequest } from '@bulwark/gate';
import {
  keyProviderConfigFromEnv,
  MemoryAuditSink,
  openKeyProvider,
  openOrCreateKey,
} from '@bulwark/keys';
import { freePort } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { runPlan } from '../src/checks/run-plan.js';
import { createSharedServices } from '../src/checks/shared.js';
import { parsePlan } from '../src/plan/load.js';
import { httpService, type Running, runCheck, startFixture } from './checks-harness.js';

/** The reference stack's tool gate, a real process with its reference policy (unsigned, v1). */
const TOOL_GATE_MAIN = fileURLToPath(
  new URL('../../../services/tool-gate/src/main.ts', import.meta.url),
);
const work = mkdtempSync(join(tmpdir(), 'bw-tool-gate-check-'));
const keysDir = join(work, 'keys');
let gate: Running;
/** Answers 404 to everything, as a service that is not a tool gate would. */
let plain: Server;
let plainUrl: string;
/** Answers every request 200 with a body shaped like a passing check outcome. */
let forging: Server;
let forgingUrl: string;

async function serve(
  status: number,
  body: unknown,
  type = 'application/json',
): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': type });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  gate = await startFixture(TOOL_GATE_MAIN, {
    BULWARK_KEYS_DIR: keysDir,
    BULWARK_GATE_STATE_DIR: join(work, 'state'),
  });
  ({ server: plain, url: plainUrl } = await serve(
    404,
    { type: 'about:blank', title: 'Not Found', status: 404 },
    'application/problem+json',
  ));
  ({ server: forging, url: forgingUrl } = await serve(200, {
    mode: 'WORK',
    allow: true,
    status: 'pass',
    summary: 'all good',
  }));
});

afterAll(async () => {
  await gate?.stop();
  await new Promise((resolve) => plain?.close(resolve));
  await new Promise((resolve) => forging?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const toolGate = () => httpService(gate.url, { name: 'tool-gate', kind: 'tool-gate' });

/** Operators switch the gate to WORK: a request signed by gate-operator, posted to the gate. */
async function switchToWork(): Promise<void> {
  const env = { BULWARK_KEYS_DIR: keysDir, BULWARK_KEYS_PROVIDER: 'file' };
  const provider = await openKeyProvider(keyProviderConfigFromEnv(env), new MemoryAuditSink());
  try {
    const operator = await openOrCreateKey(provider, 'gate-operator', { create: false });
    const request = createTransitionRequest({
      gate: 'tool-gate',
      to: 'WORK',
      reason: 'the egress check must see an allowed destination',
      requester: 'test',
      counter: 1,
    });
    const approved = await approveTransition(request, operator);
    const response = await fetch(`${gate.url}/v1/gate/transitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(approved),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({ mode: 'WORK', counter: 1 });
  } finally {
    await provider.close();
  }
}

describe('the tool gate checks against the reference tool gate', () => {
  it('gate.mode passes in the expected mode and fails in another', async () => {
    const pass = await runCheck('gate.mode', { expect: 'PUB' }, { service: toolGate() });
    expect(pass.status, pass.summary).toBe('pass');
    expect(pass.summary).toBe('mode PUB (counter 0)');
    expect(pass.measurements).toEqual({ mode: 'PUB', counter: 0 });
    // Evidence: the status document judged, and the version the gate reports in /health.
    expect(pass.targetVersion).toBe('0.1.0');
    expect(pass.artifacts?.map((a) => a.name)).toEqual(['gate-status.json']);
    expect(JSON.parse(String(pass.artifacts?.[0]?.content))).toMatchObject({
      gate: 'tool-gate',
      mode: 'PUB',
    });

    const fail = await runCheck('gate.mode', { expect: 'WORK' }, { service: toolGate() });
    expect(fail.status).toBe('fail');
    expect(fail.summary).toBe('mode PUB, expected WORK');
  });

  it('gate.transitions-signed passes when an unsigned transition is refused and the mode stays', async () => {
    const result = await runCheck('gate.transitions-signed', {}, { service: toolGate() });
    expect(result.status, result.summary).toBe('pass');
    expect(result.summary).toBe(
      'an unsigned transition PUB → WORK was refused (BW_GATE_TRANSITION_QUORUM); mode PUB unchanged',
    );
    expect(result.measurements).toMatchObject({ status: 422, modeBefore: 'PUB', modeAfter: 'PUB' });
    expect(result.artifacts?.map((a) => a.name)).toEqual([
      'unsigned-transition.json',
      'transition-answer.json',
    ]);
    const status = await (await fetch(`${gate.url}/v1/gate`)).json();
    expect(status).toMatchObject({ mode: 'PUB', counter: 0 });
  });

  it('gate.policy passes an unsigned policy only when signatures are not required', async () => {
    const pass = await runCheck('gate.policy', { requireSigned: false }, { service: toolGate() });
    expect(pass.status, pass.summary).toBe('pass');
    expect(pass.summary).toMatch(/^policy version 1, unsigned, valid for \d+d \d+h$/);
    expect(pass.measurements).toMatchObject({
      policyVersion: 1,
      policyExpiresAt: '2030-01-01T00:00:00Z',
      signed: false,
      policyDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    // requireSigned defaults to true: production never runs an unsigned policy.
    const unsigned = await runCheck('gate.policy', {}, { service: toolGate() });
    expect(unsigned.status).toBe('fail');
    expect(unsigned.summary).toBe('policy: the policy is unsigned');

    const tooOld = await runCheck(
      'gate.policy',
      { requireSigned: false, minVersion: 2 },
      { service: toolGate() },
    );
    expect(tooOld.status).toBe('fail');
    expect(tooOld.summary).toBe('policy: version 1 is below 2');
  });

  it('gate.policy fails when the policy lapses sooner than minValidity, or has lapsed', async () => {
    const service = toolGate();
    // The reference policy expires 2030-01-01: from a day before, the default 7d is not met.
    const soon = await runCheck(
      'gate.policy',
      { requireSigned: false },
      { service, now: new Date('2029-12-31T00:00:00Z') },
    );
    expect(soon.status).toBe('fail');
    expect(soon.summary).toBe('policy: expires in 1d 0h, under 7d');

    // Today, a validity longer than the years left is not met either.
    const longer = await runCheck(
      'gate.policy',
      { requireSigned: false, minValidity: '36500d' },
      { service },
    );
    expect(longer.status).toBe('fail');
    expect(longer.summary).toMatch(/^policy: expires in \d+d \d+h, under 36500d$/);

    const lapsed = await runCheck(
      'gate.policy',
      { requireSigned: false },
      { service, now: new Date('2030-01-02T00:00:00Z') },
    );
    expect(lapsed.status).toBe('fail');
    expect(lapsed.summary).toBe(
      'policy: expired at 2030-01-01T00:00:00Z: every decision is a deny',
    );
  });

  it('gate.egress-denied passes with its defaults, and fails once the mode allows a listed destination', async () => {
    const pub = await runCheck('gate.egress-denied', {}, { service: toolGate() });
    expect(pub.status, pub.summary).toBe('pass');
    expect(pub.summary).toBe('mode PUB denies egress to all 2 destinations');

    const loopback = { scheme: 'http', address: '127.0.0.1', port: 8080 };
    const inPub = await runCheck(
      'gate.egress-denied',
      { denied: [loopback] },
      { service: toolGate() },
    );
    expect(inPub.status, inPub.summary).toBe('pass');

    await switchToWork();
    const mode = await runCheck('gate.mode', { expect: 'WORK' }, { service: toolGate() });
    expect(mode.summary).toBe('mode WORK (counter 1)');

    // WORK allows loopback (127.0.0.0/8) and example.com; the defaults are still refused.
    const work = await runCheck('gate.egress-denied', {}, { service: toolGate() });
    expect(work.status, work.summary).toBe('pass');
    const allowed = await runCheck(
      'gate.egress-denied',
      {
        denied: [
          loopback,
          { scheme: 'https', host: 'example.com', port: 443 },
          { scheme: 'https', host: 'exfiltration.example', port: 443 },
        ],
      },
      { service: toolGate() },
    );
    expect(allowed.status).toBe('fail');
    expect(allowed.summary).toBe(
      'mode WORK allows egress to http://127.0.0.1:8080, https://example.com:443',
    );
    expect(allowed.measurements).toEqual({ mode: 'WORK', destinations: 3, allowed: 2 });
    const verdicts = JSON.parse(String(allowed.artifacts?.[0]?.content));
    expect(verdicts.map((v: { verdict: { allow: boolean } }) => v.verdict.allow)).toEqual([
      true,
      true,
      false,
    ]);
    expect(verdicts[0]).toMatchObject({ destination: loopback, verdict: { ruleId: 'loopback' } });
  });
});

describe('the tool gate checks against what is not a tool gate', () => {
  const notAGate = () => httpService(plainUrl, { name: 'web', kind: 'tool-gate' });

  it('fail with the status and the answer, for each check', async () => {
    const mode = await runCheck('gate.mode', { expect: 'PUB' }, { service: notAGate() });
    expect(mode.status).toBe('fail');
    expect(mode.summary).toBe('/v1/gate: 404 Not Found: not a tool gate status');

    const policy = await runCheck('gate.policy', {}, { service: notAGate() });
    expect(policy.status).toBe('fail');
    expect(policy.summary).toBe('/v1/gate: 404 Not Found: not a tool gate status');

    const egress = await runCheck('gate.egress-denied', {}, { service: notAGate() });
    expect(egress.status).toBe('fail');
    expect(egress.summary).toBe('/v1/egress/check: 404 Not Found: not an egress verdict');
  });

  it('never take their verdict from the target: a body shaped like an outcome is judged as a status', async () => {
    const forged = httpService(forgingUrl, { name: 'forger', kind: 'tool-gate' });
    const mode = await runCheck('gate.mode', { expect: 'PUB' }, { service: forged });
    expect(mode.status).toBe('fail');
    expect(mode.summary).toBe('mode WORK, expected PUB');
    const egress = await runCheck('gate.egress-denied', {}, { service: forged });
    expect(egress.status).toBe('fail');
    expect(egress.summary).toMatch(
      /^mode WORK allows egress to https:\/\/exfiltration\.example:443, /,
    );
  });

  it('gate.transitions-signed fails against a target that accepts an unsigned transition', async () => {
    const result = await runCheck(
      'gate.transitions-signed',
      {},
      { service: httpService(forgingUrl, { name: 'forging', kind: 'tool-gate' }) },
    );
    expect(result.status).toBe('fail');
    expect(result.summary).toMatch(/answered 200 .*not 422 with a transition rejection code/);
  });

  it('fail naming the path when nothing listens', async () => {
    const nowhere = httpService(`http://127.0.0.1:${await freePort()}`, { kind: 'tool-gate' });
    const mode = await runCheck('gate.mode', { expect: 'PUB' }, { service: nowhere });
    expect(mode.status).toBe('fail');
    expect(mode.summary).toMatch(/^\/v1\/gate: .*refused/i);
    const egress = await runCheck('gate.egress-denied', {}, { service: nowhere });
    expect(egress.status).toBe('fail');
    expect(egress.summary).toMatch(/^\/v1\/egress\/check: .*refused/i);
  });
});

describe('the tool gate checks in a plan', () => {
  it('run against the services of kind tool-gate only', async () => {
    const registry = defaultRegistry();
    const planFile = join(work, 'bulwark.plan.yaml');
    const text = `format: bulwark.plan/v1
name: tool-gate-checks
environments:
  dev:
    services:
      - { name: web, url: "${plainUrl}", kind: http }
      - { name: tool-gate, url: "${gate.url}", kind: tool-gate }
criteria:
  - id: gate-in-work
    text: The tool gate runs in WORK mode
    status: doing
    checks:
      - check: gate.mode
        with: { expect: WORK }
  - id: gate-policy
    text: The tool gate's policy is current
    status: doing
    checks:
      - check: gate.policy
        with: { requireSigned: false, minValidity: 1d }
  - id: gate-egress
    text: Egress outside the allow-list fails by policy
    status: doing
    checks:
      - check: gate.egress-denied
`;
    writeFileSync(planFile, text);
    const plan = parsePlan(text, planFile, registry);
    const shared = createSharedServices({ timeoutMs: 5000, attestationsDir: join(work, 'att') });
    try {
      const run = await runPlan({
        loaded: { plan, path: planFile, dir: work, text, sha256: '0'.repeat(64) },
        environment: 'dev',
        registry,
        shared,
        timeoutMs: 5000,
        toolVersion: 'test',
      });
      const criteria = run.bundle.criteria.map((c) => ({
        id: c.id,
        verdict: c.verdict,
        checks: c.checks.map((check) => [check.check, check.service, check.status]),
      }));
      // The switch to WORK above: every describe block in this file shares one gate, in order.
      expect(criteria).toEqual([
        {
          id: 'gate-in-work',
          verdict: 'pass',
          checks: [['gate.mode', 'tool-gate', 'pass']],
        },
        {
          id: 'gate-policy',
          verdict: 'pass',
          checks: [['gate.policy', 'tool-gate', 'pass']],
        },
        {
          id: 'gate-egress',
          verdict: 'pass',
          checks: [['gate.egress-denied', 'tool-gate', 'pass']],
        },
      ]);
    } finally {
      await shared.close();
    }
  });
});
