import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeBundle, signBundle } from '../src/bundle/signed-bundle.js';
import type { Decision } from '../src/decisions/types.js';
import { ToolGate } from '../src/gate.js';
import {
  approveTransition,
  createTransitionRequest,
  type TransitionRequest,
} from '../src/transitions/request.js';
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

const TRANSITIONS = 40;
const MIN_DECISIONS = 3000;

it('never evaluates a decision under a mix of modes, and records each after its mode was entered', async () => {
  const recorder = new InMemoryTestRecorder();
  const gate = await ToolGate.open({
    gate: GATE,
    stateDir,
    initialBundle: encodeBundle(await signBundle(policyBytes(), [trust.policySigner])),
    policyKeys: trust.policyKeys,
    requireSignedBundles: true,
    operators: trust.operatorKeys,
    quorum: 2,
    recorder,
  });
  const transitions: TransitionRequest[] = [];
  for (let counter = 1; counter <= TRANSITIONS; counter++) {
    const request = createTransitionRequest({
      gate: GATE,
      to: counter % 2 === 1 ? 'WORK' : 'PUB',
      reason: `switch ${counter}`,
      counter,
      requester: 'alice',
    });
    transitions.push(
      await approveTransition(await approveTransition(request, trust.operatorA), trust.operatorB),
    );
  }
  const changes: string[] = [];
  gate.onChange((status) => changes.push(`${status.mode}@${status.counter}`));

  let switching = true;
  const switcher = (async () => {
    for (const transition of transitions) {
      await gate.applyTransition(transition, 'alice');
      await new Promise((resolve) => setImmediate(resolve));
    }
    switching = false;
  })();

  // Decisions fired from plain calls, microtasks and macrotasks, so they land between every
  // step of every switch (verify, record, persist, swap).
  const decisions: Promise<Decision>[] = [];
  const fire = (tool: string) =>
    decisions.push(gate.decide({ tool, action: 'run', subject: `agent-${decisions.length % 7}` }));
  while (switching || decisions.length < MIN_DECISIONS) {
    for (let i = 0; i < 10; i++) fire(i % 3 === 0 ? 'search' : 'shell');
    queueMicrotask(() => fire('shell'));
    setImmediate(() => fire('shell'));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await switcher;
  const results = await Promise.all(decisions);
  await gate.close();

  expect(gate.status()).toMatchObject({ mode: 'PUB', counter: TRANSITIONS });
  expect(changes).toHaveLength(TRANSITIONS);

  const byId = new Map(results.map((decision) => [decision.id, decision]));
  expect(byId.size).toBe(results.length);

  // In record order, each decision follows the accepted transition that entered its mode, and
  // its answer matches the mode it names (shell is allowed only in WORK).
  const entered = new Map<number, string>([[0, 'PUB']]);
  let lastCounter = 0;
  let decided = 0;
  const countersSeen = new Set<number>();
  for (const record of recorder.records) {
    if (record.kind === 'gate.transition.accepted') {
      entered.set(record.payload.counter as number, record.payload.to as string);
      continue;
    }
    if (record.kind !== 'gate.decision') continue;
    decided++;
    const { id, tool, mode, allow, counter } = record.payload as {
      id: string;
      tool: string;
      mode: string;
      allow: boolean;
      counter: number;
    };
    expect(entered.get(counter), `decision ${id} under counter ${counter}`).toBe(mode);
    expect(allow).toBe(tool === 'search' || mode === 'WORK');
    expect(counter).toBeGreaterThanOrEqual(lastCounter);
    lastCounter = counter;
    countersSeen.add(counter);
    const returned = byId.get(id);
    expect(returned).toMatchObject({ mode, allow, counter });
  }
  expect(decided).toBe(results.length);
  expect(decided).toBeGreaterThanOrEqual(MIN_DECISIONS);
  // The decisions really were spread over the switches, in both modes.
  expect(countersSeen.size).toBeGreaterThan(TRANSITIONS / 2);
  expect(results.some((d) => d.mode === 'WORK' && d.allow)).toBe(true);
  expect(results.some((d) => d.mode === 'PUB' && !d.allow)).toBe(true);
});
