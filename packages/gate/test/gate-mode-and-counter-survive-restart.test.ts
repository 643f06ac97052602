import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeBundle, signBundle } from '../src/bundle/signed-bundle.js';
import { GateStateError, TransitionRejectedError } from '../src/errors.js';
import { ToolGate, type ToolGateOptions } from '../src/gate.js';
import { gateStatePath } from '../src/state/gate-state.js';
import { approveTransition, createTransitionRequest } from '../src/transitions/request.js';
import {
  createTrust,
  GATE,
  InMemoryTestRecorder,
  type PolicyOptions,
  policyBytes,
  type TrustFixture,
} from './trust-fixtures.js';

let trust: TrustFixture;
let stateDir: string;

beforeAll(async () => {
  trust = await createTrust();
});
afterAll(async () => {
  await trust.cleanup();
});
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'bulwark-gate-state-'));
  return () => rm(stateDir, { recursive: true, force: true });
});

async function signed(options: PolicyOptions) {
  return encodeBundle(await signBundle(policyBytes(options), [trust.policySigner]));
}

function options(overrides: Partial<ToolGateOptions> = {}): ToolGateOptions {
  return {
    gate: GATE,
    stateDir,
    policyKeys: trust.policyKeys,
    requireSignedBundles: true,
    operators: trust.operatorKeys,
    quorum: 1,
    recorder: new InMemoryTestRecorder(),
    ...overrides,
  };
}

async function toWork(counter: number) {
  const request = createTransitionRequest({
    gate: GATE,
    to: 'WORK',
    reason: 'maintenance window',
    counter,
    requester: 'alice',
  });
  return approveTransition(request, trust.operatorA);
}

describe('the gate across restarts', () => {
  it('starts in the default mode at counter 0, then keeps mode, counter, policy and nonces', async () => {
    const first = await ToolGate.open(options({ initialBundle: await signed({ version: 1 }) }));
    expect(first.status()).toMatchObject({ mode: 'PUB', counter: 0, policyVersion: 1 });
    const transition = await toWork(1);
    await first.applyTransition(transition, 'alice');
    await first.installBundle(await signed({ version: 2 }), 'release-bot');
    const before = first.status();
    await first.close();

    // Restarted with the old start-up bundle: the newer installed one stays.
    const recorder = new InMemoryTestRecorder();
    const second = await ToolGate.open(
      options({ initialBundle: await signed({ version: 1 }), recorder }),
    );
    expect(second.status()).toEqual(before);
    expect(second.status()).toMatchObject({ mode: 'WORK', counter: 1, policyVersion: 2 });
    expect(recorder.records).toEqual([]);
    expect(second.evaluate({ tool: 'shell', action: 'run', subject: 'bot' })).toMatchObject({
      allow: true,
      mode: 'WORK',
      counter: 1,
      policyVersion: 2,
    });
    // The spent nonce is remembered, and the counter with it.
    await expect(second.applyTransition(transition, 'alice')).rejects.toMatchObject({
      reason: 'replayed-nonce',
    });
    await expect(second.applyTransition(await toWork(1), 'alice')).rejects.toBeInstanceOf(
      TransitionRejectedError,
    );
    await second.close();

    // No start-up bundle at all: the installed one is enough.
    const third = await ToolGate.open(options());
    expect(third.status()).toMatchObject({ mode: 'WORK', counter: 1, policyVersion: 2 });
    await third.close();
  });

  it('installs a newer start-up bundle and keeps the mode when the policy still has it', async () => {
    const first = await ToolGate.open(options({ initialBundle: await signed({ version: 1 }) }));
    await first.applyTransition(await toWork(1), 'alice');
    await first.close();
    const recorder = new InMemoryTestRecorder();
    const second = await ToolGate.open(
      options({ initialBundle: await signed({ version: 5 }), recorder }),
    );
    expect(second.status()).toMatchObject({ mode: 'WORK', counter: 1, policyVersion: 5 });
    expect(recorder.records.map((record) => record.kind)).toEqual(['gate.bundle.installed']);
    await second.close();
  });

  it("refuses to start with no bundle, a corrupt state, or another gate's state", async () => {
    await expect(ToolGate.open(options())).rejects.toBeInstanceOf(GateStateError);

    const gate = await ToolGate.open(options({ initialBundle: await signed({ version: 1 }) }));
    await gate.close();
    const path = gateStatePath(stateDir);
    const whole = await readFile(path, 'utf8');

    await expect(ToolGate.open(options({ gate: 'gate-b' }))).rejects.toThrow(/belongs to gate/);

    await writeFile(path, whole.slice(0, whole.length / 2));
    const corrupt = await ToolGate.open(options()).catch((error: unknown) => error);
    expect(corrupt).toBeInstanceOf(GateStateError);
    expect((corrupt as Error).message).toContain(path);

    const state = JSON.parse(whole);
    await writeFile(path, JSON.stringify({ ...state, counter: -1 }));
    await expect(ToolGate.open(options())).rejects.toThrow(path);

    // The installed bundle is checked again: a bundle swapped inside the state is refused.
    const other = Buffer.from(await signed({ version: 1, withoutShell: true })).toString('base64');
    await writeFile(path, JSON.stringify({ ...state, bundle: other }));
    await expect(ToolGate.open(options())).rejects.toThrow(/not the policy version and digest/);
    // Even a state corrupted this way is never silently reset.
    expect(JSON.parse(await readFile(path, 'utf8')).bundle).toBe(other);
  });
});
