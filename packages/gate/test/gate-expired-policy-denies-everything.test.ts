import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeBundle, signBundle } from '../src/bundle/signed-bundle.js';
import { ToolGate } from '../src/gate.js';
import {
  createTrust,
  GATE,
  InMemoryTestRecorder,
  policyBytes,
  type TrustFixture,
} from './trust-fixtures.js';

let trust: TrustFixture;
let stateDir: string;

beforeAll(async () => {
  trust = await createTrust();
  stateDir = await mkdtemp(join(tmpdir(), 'bulwark-gate-state-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
  await trust.cleanup();
});

it('denies every decision and destination once the installed policy expires', async () => {
  const expiresAt = new Date(Date.now() + 3600_000);
  let clock = new Date();
  const recorder = new InMemoryTestRecorder();
  const gate = await ToolGate.open({
    gate: GATE,
    stateDir,
    initialBundle: encodeBundle(
      await signBundle(policyBytes({ expiresAt: expiresAt.toISOString() }), [trust.policySigner]),
    ),
    policyKeys: trust.policyKeys,
    requireSignedBundles: true,
    operators: trust.operatorKeys,
    quorum: 1,
    recorder,
    now: () => clock,
  });
  const search = { tool: 'search', action: 'query', subject: 'bot' };
  expect((await gate.decide(search)).allow).toBe(true);

  clock = new Date(expiresAt.getTime() + 1);
  const denied = await gate.decide(search);
  expect(denied).toMatchObject({ allow: false, effect: 'deny' });
  expect(denied.reason).toMatch(/expired/);
  expect(recorder.last()?.payload).toMatchObject({ allow: false, reason: denied.reason });
  expect(gate.egress({ host: 'api.example.com', port: 443, scheme: 'https' }).allow).toBe(false);
  expect(gate.status().expired).toBe(true);
  await gate.close();

  // Restarting past expiry still loads the policy (denying) rather than refusing to start.
  const reopened = await ToolGate.open({
    gate: GATE,
    stateDir,
    policyKeys: trust.policyKeys,
    requireSignedBundles: true,
    operators: trust.operatorKeys,
    quorum: 1,
    recorder,
    now: () => clock,
  });
  expect(reopened.evaluate(search).allow).toBe(false);
  await reopened.close();
});
