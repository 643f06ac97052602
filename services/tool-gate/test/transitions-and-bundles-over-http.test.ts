import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeBundle, parsePolicy, type SignedBundle, signBundle } from '@bulwark/gate';
import type { Signer } from '@bulwark/keys';
import { spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_POLICY } from '../src/index.js';
import {
  call,
  type GateView,
  type Keystore,
  killAll,
  openKeystore,
  type Problem,
  type RunningService,
  sample,
  signedTransition,
  startService,
  TOOL_GATE_MAIN,
  tempDir,
} from './tool-gate-fixtures.js';

// Mode transitions and policy bundles through the service's HTTP API, on a real process that is
// restarted on the same state directory; and a gate that refuses to start on unsigned policy.

let work: Awaited<ReturnType<typeof tempDir>>;
let keys: Keystore;
let operatorA: Signer;
let operatorB: Signer;
let intruder: Signer;
let policySigner: Signer;
let referenceYaml: string;

beforeAll(async () => {
  work = await tempDir('bw-tool-gate-signed-');
  keys = await openKeystore(join(work.dir, 'keys'));
  operatorA = await keys.signer('gate-operator');
  operatorB = await keys.signer('gate-operator-b');
  policySigner = await keys.signer('gate-policy');
  // In the same keystore, but named by no BULWARK_GATE_*_KEYS: the gate does not trust it.
  intruder = await keys.signer('intruder');
  referenceYaml = await readFile(REFERENCE_POLICY, 'utf8');
});

afterAll(async () => {
  await killAll();
  await keys?.close();
  await work?.remove();
});

/** The reference policy at another version (and, optionally, for another gate). */
function referenceAt(version: number, gate = 'tool-gate'): Uint8Array {
  const text = referenceYaml
    .replace(/^version: 1$/m, `version: ${version}`)
    .replace(/^gate: tool-gate$/m, `gate: ${gate}`);
  expect(text).toContain(`version: ${version}\n`);
  return Buffer.from(text, 'utf8');
}

const signed = (version: number, signers: Signer[] = [policySigner], gate?: string) =>
  signBundle(referenceAt(version, gate), signers);

function expectProblem(
  answer: { status: number; headers: Record<string, unknown>; body: Problem; text: string },
  code: string,
) {
  expect(answer.status, answer.text).toBe(422);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status: 422, code });
  expect(answer.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.body.detail.length).toBeGreaterThan(10);
  expect(answer.text).not.toMatch(/\n\s+at /);
}

describe('a 2-of-2 gate over HTTP', () => {
  let gate: RunningService;
  let stateDir: string;
  const env = () => ({
    BULWARK_GATE_STATE_DIR: stateDir,
    BULWARK_KEYS_DIR: keys.dir,
    BULWARK_GATE_OPERATOR_KEYS: 'gate-operator,gate-operator-b',
    BULWARK_GATE_QUORUM: '2',
  });
  const view = async () => (await call<GateView>('GET', `${gate.url}/v1/gate`)).body;
  const transition = (document: unknown) =>
    call<Problem & GateView>('POST', `${gate.url}/v1/gate/transitions`, document);
  const install = (bundle: unknown) =>
    call<Problem & GateView>('PUT', `${gate.url}/v1/gate/policy`, bundle);

  beforeAll(async () => {
    stateDir = join(work.dir, 'state-2of2');
    gate = await startService(TOOL_GATE_MAIN, env());
  });

  let accepted: Awaited<ReturnType<typeof signedTransition>>;

  it('refuses one operator signature short of the quorum, then switches PUB to WORK on two', async () => {
    expect(await view()).toMatchObject({ mode: 'PUB', counter: 0 });
    const one = await transition(
      await signedTransition({ to: 'WORK', counter: 1, signers: [operatorA] }),
    );
    expectProblem(one, 'BW_GATE_TRANSITION_QUORUM');
    expect(one.body.detail).toContain('needs 2');
    expect(await view()).toMatchObject({ mode: 'PUB', counter: 0 });

    accepted = await signedTransition({ to: 'WORK', counter: 1, signers: [operatorA, operatorB] });
    const two = await transition(accepted);
    expect(two.status, two.text).toBe(200);
    expect(two.body).toMatchObject({ mode: 'WORK', counter: 1 });
    expect(await view()).toMatchObject({ mode: 'WORK', counter: 1 });
    const text = (await call('GET', `${gate.url}/metrics`)).text;
    expect(sample(text, 'gate_mode', { mode: 'WORK' })).toBe(1);
    expect(sample(text, 'gate_transitions_total', { result: 'accepted' })).toBe(1);
    expect(sample(text, 'gate_transitions_total', { result: 'quorum' })).toBe(1);
  });

  it('keeps the mode and counter across a restart on the same state directory', async () => {
    expect(await gate.stop('SIGTERM')).toBe(0);
    gate = await startService(TOOL_GATE_MAIN, env(), gate.port);
    expect(await view()).toMatchObject({ mode: 'WORK', counter: 1 });
    const decision = await call<{ mode: string; counter: number }>(
      'POST',
      `${gate.url}/v1/decisions`,
      { tool: 'shell', action: 'run', subject: 'x' },
    );
    expect(decision.body).toMatchObject({ mode: 'WORK', counter: 1, effect: 'approval' });
  });

  it('rejects a replayed, rolled-back, tampered, forged or misdirected transition with its code', async () => {
    // The accepted document again: its nonce is remembered across the restart.
    const replay = await transition(accepted);
    expectProblem(replay, 'BW_GATE_TRANSITION_REPLAYED_NONCE');
    expect(replay.body.detail).toContain(accepted.body.nonce);

    const rollback = await transition(
      await signedTransition({ to: 'PUB', counter: 1, signers: [operatorA, operatorB] }),
    );
    expectProblem(rollback, 'BW_GATE_TRANSITION_COUNTER_ROLLBACK');

    const genuine = await signedTransition({
      to: 'PUB',
      counter: 2,
      signers: [operatorA, operatorB],
    });
    const tampered = { ...genuine, body: { ...genuine.body, reason: 'something else' } };
    expectProblem(await transition(tampered), 'BW_GATE_TRANSITION_TAMPERED');
    const retargeted = { ...genuine, body: { ...genuine.body, to: 'WORK', counter: 9 } };
    expectProblem(await transition(retargeted), 'BW_GATE_TRANSITION_TAMPERED');

    const forged = await signedTransition({
      to: 'PUB',
      counter: 2,
      signers: [operatorA, intruder],
    });
    const forgedAnswer = await transition(forged);
    expectProblem(forgedAnswer, 'BW_GATE_TRANSITION_UNKNOWN_KEY');
    expect(forgedAnswer.body.detail).toContain('intruder');

    const elsewhere = await signedTransition({
      to: 'PUB',
      counter: 2,
      signers: [operatorA, operatorB],
      gate: 'another-gate',
    });
    expectProblem(await transition(elsewhere), 'BW_GATE_TRANSITION_WRONG_GATE');

    const unknownMode = await signedTransition({
      to: 'ADMIN',
      counter: 2,
      signers: [operatorA, operatorB],
    });
    expectProblem(await transition(unknownMode), 'BW_GATE_TRANSITION_UNKNOWN_MODE');

    expectProblem(
      await transition({ format: 'bulwark.gate-transition/v1', body: 'nope' }),
      'BW_GATE_TRANSITION_MALFORMED',
    );
    const noFormat = await transition({ body: {} });
    expect(noFormat.status).toBe(400);
    expect(noFormat.body.code).toBe('BW_VALIDATION');

    // None of them moved the gate; each is counted by its reason.
    expect(await view()).toMatchObject({ mode: 'WORK', counter: 1 });
    const text = (await call('GET', `${gate.url}/metrics`)).text;
    for (const reason of ['replayed-nonce', 'counter-rollback', 'unknown-key', 'wrong-gate']) {
      expect(sample(text, 'gate_transitions_total', { result: reason }), reason).toBe(1);
    }
    expect(sample(text, 'gate_transitions_total', { result: 'tampered' })).toBe(2);

    // The genuine request still works afterwards.
    const back = await transition(genuine);
    expect(back.status, back.text).toBe(200);
    expect(back.body).toMatchObject({ mode: 'PUB', counter: 2 });
  });

  it('installs a signed newer bundle, refuses rollback, tampering and strangers, and keeps it across a restart', async () => {
    const v2 = await install(await signed(2));
    expect(v2.status, v2.text).toBe(200);
    expect(v2.body).toMatchObject({
      policyVersion: 2,
      signed: true,
      signedBy: ['gate-policy/v1'],
      mode: 'PUB',
      counter: 2,
    });
    const digest = v2.body.policyDigest;

    expectProblem(await install(await signed(2)), 'BW_GATE_BUNDLE_ROLLBACK');
    expectProblem(await install(await signed(1)), 'BW_GATE_BUNDLE_ROLLBACK');

    const v3 = await signed(3);
    const altered = Buffer.from(v3.payload, 'base64')
      .toString('utf8')
      .replace('Public mode.', 'Public mode, quietly edited.');
    const tampered: SignedBundle = { ...v3, payload: Buffer.from(altered).toString('base64') };
    expectProblem(await install(tampered), 'BW_GATE_BUNDLE_TAMPERED');
    expectProblem(await install(await signed(3, [intruder])), 'BW_GATE_BUNDLE_UNKNOWN_KEY');
    expectProblem(
      await install(await signed(3, [policySigner], 'another-gate')),
      'BW_GATE_BUNDLE_WRONG_GATE',
    );
    expectProblem(
      await install({ format: 'bulwark.policy/v1', gate: 'tool-gate', version: 3 }),
      'BW_GATE_BUNDLE_INVALID_POLICY',
    );
    expect(await view()).toMatchObject({ policyVersion: 2, policyDigest: digest });

    const text = (await call('GET', `${gate.url}/metrics`)).text;
    expect(sample(text, 'gate_policy_version')).toBe(2);
    expect(sample(text, 'gate_bundles_total', { result: 'installed' })).toBe(1);
    expect(sample(text, 'gate_bundles_total', { result: 'rollback' })).toBe(2);

    // Restarted with the same (older, version 1) policy file: the installed version 2 stays.
    expect(await gate.stop('SIGTERM')).toBe(0);
    gate = await startService(TOOL_GATE_MAIN, env(), gate.port);
    expect(await view()).toMatchObject({ policyVersion: 2, policyDigest: digest, mode: 'PUB' });
  });

  it('installs an unsigned newer bundle only because this gate does not require signatures', async () => {
    const unsigned = await install(parseYamlAsJson(referenceAt(3)));
    expect(unsigned.status, unsigned.text).toBe(200);
    expect(unsigned.body).toMatchObject({ policyVersion: 3, signed: false, signedBy: [] });
    await gate.stop('SIGTERM');
  });
});

describe('a gate that requires signed bundles', () => {
  it('refuses an unsigned bundle over HTTP and installs a signed one', async () => {
    const policyFile = join(work.dir, 'reference.bundle.json');
    await writeFile(policyFile, encodeBundle(await signed(1)));
    const gate = await startService(TOOL_GATE_MAIN, {
      BULWARK_GATE_STATE_DIR: join(work.dir, 'state-signed'),
      BULWARK_KEYS_DIR: keys.dir,
      BULWARK_GATE_POLICY: policyFile,
      BULWARK_GATE_REQUIRE_SIGNED_BUNDLES: 'on',
    });
    try {
      const status = await call<GateView>('GET', `${gate.url}/v1/gate`);
      expect(status.body).toMatchObject({ policyVersion: 1, signed: true });
      const unsigned = await call<Problem>(
        'PUT',
        `${gate.url}/v1/gate/policy`,
        parseYamlAsJson(referenceAt(2)),
      );
      expectProblem(unsigned, 'BW_GATE_BUNDLE_UNSIGNED');
      // A signed bundle with its signatures stripped is an unsigned one.
      const stripped = { ...(await signed(2)), signatures: [] };
      expectProblem(
        await call<Problem>('PUT', `${gate.url}/v1/gate/policy`, stripped),
        'BW_GATE_BUNDLE_UNSIGNED',
      );
      expect((await call<GateView>('GET', `${gate.url}/v1/gate`)).body.policyVersion).toBe(1);

      const v2 = await call<GateView>('PUT', `${gate.url}/v1/gate/policy`, await signed(2));
      expect(v2.status, v2.text).toBe(200);
      expect(v2.body).toMatchObject({ policyVersion: 2, signed: true });
    } finally {
      expect(await gate.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to start on an unsigned policy file or bad settings: one line, non-zero exit, no stack', async () => {
    const attempts: { code: string; state?: string; env: Record<string, string> }[] = [
      {
        code: 'BW_GATE_BUNDLE_UNSIGNED',
        env: { BULWARK_GATE_REQUIRE_SIGNED_BUNDLES: 'on', BULWARK_GATE_POLICY: REFERENCE_POLICY },
      },
      {
        // The earlier gate installed an unsigned version 3 here: a stricter restart refuses it.
        code: 'BW_GATE_STATE',
        state: join(work.dir, 'state-2of2'),
        env: {
          BULWARK_GATE_REQUIRE_SIGNED_BUNDLES: 'on',
          BULWARK_GATE_POLICY: join(work.dir, 'reference.bundle.json'),
        },
      },
      { code: 'BW_CONFIG_INVALID', env: { BULWARK_GATE_REQUIRE_SIGNED_BUNDLES: 'perhaps' } },
      { code: 'BW_CONFIG_INVALID', env: { BULWARK_GATE_POLICY: join(work.dir, 'missing.yaml') } },
    ];
    await Promise.all(
      attempts.map(async (attempt, i) => {
        const proc = spawnTs(TOOL_GATE_MAIN, {
          PORT: '0',
          BULWARK_GATE_STATE_DIR: attempt.state ?? join(work.dir, `state-refused-${i}`),
          BULWARK_KEYS_DIR: keys.dir,
          ...attempt.env,
        });
        const code = await proc.exited;
        const label = `${attempt.code} ${JSON.stringify(attempt.env)}\n${proc.lines.join('\n')}`;
        expect(code, label).toBe(1);
        const fatal = proc.lines.filter((line) => line.includes('"fatal"'));
        expect(fatal, label).toHaveLength(1);
        const entry = JSON.parse(fatal[0] as string) as { code: string; msg: string };
        expect(entry.code, label).toBe(attempt.code);
        expect(entry.msg, label).toMatch(/^failed to start: \S/);
        expect(entry.msg).not.toContain('\n');
        expect(proc.lines.join('\n'), label).not.toMatch(/^\s+at /m);
        expect(proc.lines.some((line) => line.includes('ready on http'))).toBe(false);
      }),
    );
  });
});

/** A YAML policy as the JSON document an unsigned PUT carries. */
function parseYamlAsJson(bytes: Uint8Array): Record<string, unknown> {
  return { ...parsePolicy(bytes, 'test policy') };
}
