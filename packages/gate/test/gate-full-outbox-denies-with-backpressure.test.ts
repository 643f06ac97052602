import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeBundle, signBundle } from '../src/bundle/signed-bundle.js';
import type { DecisionRecorder } from '../src/decisions/types.js';
import { ToolGate } from '../src/gate.js';
import {
  createTrust,
  GATE,
  InMemoryTestRecorder,
  policyBytes,
  type TrustFixture,
} from './trust-fixtures.js';

let trust: TrustFixture;
const dirs: string[] = [];

beforeAll(async () => {
  trust = await createTrust();
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  await trust.cleanup();
});

/** Opens with a working recorder, then hands the gate `recorder` for its decisions. */
async function openGate(recorder: DecisionRecorder) {
  const stateDir = await mkdtemp(join(tmpdir(), 'bulwark-gate-state-'));
  dirs.push(stateDir);
  await (await open(stateDir, new InMemoryTestRecorder())).close();
  return open(stateDir, recorder);
}

async function open(stateDir: string, recorder: DecisionRecorder) {
  return ToolGate.open({
    gate: GATE,
    stateDir,
    initialBundle: encodeBundle(await signBundle(policyBytes(), [trust.policySigner])),
    policyKeys: trust.policyKeys,
    requireSignedBundles: true,
    operators: trust.operatorKeys,
    quorum: 1,
    recorder,
  });
}

it('denies an allowed call with effect backpressure when the outbox is full, recording nothing', async () => {
  const recorder = new InMemoryTestRecorder();
  const gate = await openGate(recorder);
  const search = { tool: 'search', action: 'query', subject: 'bot' };
  const allowed = await gate.decide(search);
  expect(allowed).toMatchObject({ allow: true, effect: 'allow', ruleId: 'pub-search' });
  expect(recorder.last()?.payload).toMatchObject({ id: allowed.id, allow: true, mode: 'PUB' });

  recorder.full = true;
  const count = recorder.records.length;
  const denied = await gate.decide(search);
  expect(denied).toMatchObject({ allow: false, effect: 'backpressure', mode: 'PUB' });
  expect(denied.ruleId).toBeUndefined();
  expect(denied.reason).toMatch(/outbox is full/);
  expect(recorder.records.length).toBe(count);
  await gate.close();
});

it('propagates any other recorder failure', async () => {
  const failing: DecisionRecorder = {
    record: async () => {
      throw new Error('disk on fire');
    },
    depth: () => 0,
  };
  const gate = await openGate(failing);
  await expect(gate.decide({ tool: 'search', action: 'q', subject: 'bot' })).rejects.toThrow(
    'disk on fire',
  );
  await gate.close();
});

it('gives decisions time-ordered UUIDv7 ids', async () => {
  const gate = await openGate(new InMemoryTestRecorder());
  const ids = Array.from(
    { length: 5000 },
    () => gate.evaluate({ tool: 'search', action: 'q', subject: 'bot' }).id,
  );
  for (const id of ids) {
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
  await gate.close();
});
