import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preAuthEncoding, type Signer, signPayload } from '@bulwark/keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBundle, signBundle } from '../src/bundle/signed-bundle.js';
import { TransitionRejectedError } from '../src/errors.js';
import { ToolGate } from '../src/gate.js';
import {
  approveTransition,
  createTransitionRequest,
  TRANSITION_PAYLOAD_TYPE,
  type TransitionFields,
  type TransitionRequest,
  transitionBodyBytes,
} from '../src/transitions/request.js';
import {
  createTrust,
  GATE,
  InMemoryTestRecorder,
  keyringOf,
  policyBytes,
  type TrustFixture,
} from './trust-fixtures.js';

let trust: TrustFixture;
let bundle: Uint8Array;
const clock = new Date();

beforeAll(async () => {
  trust = await createTrust();
  bundle = encodeBundle(await signBundle(policyBytes(), [trust.policySigner]));
});
afterAll(async () => {
  await trust.cleanup();
});

async function openGate(quorum: number, operators = trust.operatorKeys) {
  const stateDir = await mkdtemp(join(tmpdir(), 'bulwark-gate-state-'));
  const recorder = new InMemoryTestRecorder();
  const gate = await ToolGate.open({
    gate: GATE,
    stateDir,
    initialBundle: bundle,
    policyKeys: trust.policyKeys,
    requireSignedBundles: true,
    operators,
    quorum,
    recorder,
    now: () => clock,
  });
  return {
    gate,
    recorder,
    async close() {
      await gate.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function transition(
  fields: Partial<TransitionFields>,
  signers: readonly Signer[],
): Promise<TransitionRequest> {
  let request = createTransitionRequest({
    gate: GATE,
    to: 'WORK',
    reason: 'incident 42 needs shell access',
    counter: 1,
    requester: 'alice',
    now: clock,
    ...fields,
  });
  for (const signer of signers) request = await approveTransition(request, signer);
  return request;
}

/** Applies the document, expects it rejected with `reason`, and its record carrying the reason. */
async function expectRejected(
  opened: Awaited<ReturnType<typeof openGate>>,
  document: unknown,
  reason: TransitionRejectedError['reason'],
) {
  const before = opened.gate.status();
  const error = await opened.gate.applyTransition(document, 'alice').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransitionRejectedError);
  expect((error as TransitionRejectedError).reason).toBe(reason);
  expect((error as TransitionRejectedError).message).toMatch(/\.$/);
  const record = opened.recorder.last();
  expect(record?.kind).toBe('gate.transition.rejected');
  expect(record?.actor).toBe('alice');
  expect(record?.payload.reason).toBe(reason);
  expect(record?.payload.message).toBe((error as Error).message);
  const after = opened.gate.status();
  expect({ mode: after.mode, counter: after.counter }).toEqual({
    mode: before.mode,
    counter: before.counter,
  });
}

describe('a 1-of-1 gate', () => {
  it('accepts a valid transition and records it before switching', async () => {
    const opened = await openGate(1);
    try {
      const status = await opened.gate.applyTransition(
        await transition({}, [trust.operatorA]),
        'alice',
      );
      expect(status).toMatchObject({ mode: 'WORK', counter: 1 });
      const accepted = opened.recorder.ofKind('gate.transition.accepted');
      expect(accepted).toHaveLength(1);
      expect(accepted[0]?.payload).toMatchObject({
        from: 'PUB',
        to: 'WORK',
        counter: 1,
        signers: [trust.operatorA.keyId],
      });
      expect(opened.gate.evaluate({ tool: 'shell', action: 'run', subject: 'bot' }).allow).toBe(
        true,
      );
    } finally {
      await opened.close();
    }
  });

  it('rejects a forged signature (the intruder signing under an operator key id)', async () => {
    const opened = await openGate(1);
    try {
      const request = await transition({}, []);
      const forged = await signPayload(
        trust.intruder,
        TRANSITION_PAYLOAD_TYPE,
        transitionBodyBytes(request.body),
        'test',
      );
      const document = {
        ...request,
        signatures: [{ ...forged, keyId: trust.operatorA.keyId }],
      };
      await expectRejected(opened, document, 'bad-signature');
    } finally {
      await opened.close();
    }
  });

  it('rejects a signature by a key that is not an operator', async () => {
    const opened = await openGate(1);
    try {
      await expectRejected(opened, await transition({}, [trust.intruder]), 'unknown-key');
    } finally {
      await opened.close();
    }
  });

  it('rejects an expired transition and one not yet valid', async () => {
    const opened = await openGate(1);
    try {
      const expired = await transition(
        { notBefore: new Date(clock.getTime() - 2 * 3600_000), ttlMs: 10 * 60_000 },
        [trust.operatorA],
      );
      await expectRejected(opened, expired, 'expired');
      const early = await transition(
        { notBefore: new Date(clock.getTime() + 10 * 60_000), ttlMs: 10 * 60_000 },
        [trust.operatorA],
      );
      await expectRejected(opened, early, 'not-yet-valid');
    } finally {
      await opened.close();
    }
  });

  it('rejects a transition valid for longer than the gate accepts', async () => {
    const opened = await openGate(1);
    try {
      const longLived = await transition({ ttlMs: 24 * 3600_000 }, [trust.operatorA]);
      await expectRejected(opened, longLived, 'too-long-lived');
    } finally {
      await opened.close();
    }
  });

  it('rejects a replayed nonce and a rolled-back counter', async () => {
    const opened = await openGate(1);
    try {
      const first = await transition({ counter: 1 }, [trust.operatorA]);
      await opened.gate.applyTransition(first, 'alice');
      // The same document again: its nonce is spent.
      await expectRejected(opened, first, 'replayed-nonce');
      // The same nonce under a fresh counter is still a replay.
      const sameNonce = await transition({ counter: 2, to: 'PUB', nonce: first.body.nonce }, [
        trust.operatorA,
      ]);
      await expectRejected(opened, sameNonce, 'replayed-nonce');
      // A fresh nonce but an old counter: an approval made before the last switch.
      const old = await transition({ counter: 1, to: 'PUB' }, [trust.operatorA]);
      await expectRejected(opened, old, 'counter-rollback');
      expect(opened.gate.status()).toMatchObject({ mode: 'WORK', counter: 1 });
    } finally {
      await opened.close();
    }
  });

  it('rejects a body changed after it was signed', async () => {
    const opened = await openGate(1);
    try {
      const request = await transition({ to: 'PUB' }, [trust.operatorA]);
      const tampered = { ...request, body: { ...request.body, to: 'WORK' } };
      await expectRejected(opened, tampered, 'tampered');
    } finally {
      await opened.close();
    }
  });

  it('rejects malformed documents, another gate and an unknown mode', async () => {
    const opened = await openGate(1);
    try {
      await expectRejected(opened, { format: 'bulwark.gate-transition/v1' }, 'malformed');
      await expectRejected(opened, 'not a transition', 'malformed');
      const signed = await transition({}, [trust.operatorA]);
      await expectRejected(
        opened,
        { ...signed, body: { ...signed.body, extra: 'unsigned field' } },
        'malformed',
      );
      await expectRejected(
        opened,
        await transition({ gate: 'gate-b' }, [trust.operatorA]),
        'wrong-gate',
      );
      await expectRejected(
        opened,
        await transition({ to: 'ROOT' }, [trust.operatorA]),
        'unknown-mode',
      );
      // A rejected document's readable body fields are in its record.
      expect(opened.recorder.last()?.payload.body).toMatchObject({ to: 'ROOT', counter: 1 });
    } finally {
      await opened.close();
    }
  });
});

describe('a 2-of-3 gate', () => {
  it('accepts two distinct operators', async () => {
    const opened = await openGate(2);
    try {
      const status = await opened.gate.applyTransition(
        await transition({}, [trust.operatorB, trust.operatorC]),
        'bob',
      );
      expect(status).toMatchObject({ mode: 'WORK', counter: 1 });
      expect(opened.recorder.last()?.payload.signers).toEqual([
        trust.operatorB.keyId,
        trust.operatorC.keyId,
      ]);
    } finally {
      await opened.close();
    }
  });

  it('rejects a single signature as short of quorum', async () => {
    const opened = await openGate(2);
    try {
      await expectRejected(opened, await transition({}, [trust.operatorA]), 'quorum');
      await expectRejected(opened, await transition({}, []), 'quorum');
    } finally {
      await opened.close();
    }
  });

  it('counts two versions of one operator key once and rejects the request', async () => {
    const rotated = await trust.provider.rotate('operator-a');
    const operatorA2 = await trust.provider.open('operator-a', { version: rotated.version });
    const operators = keyringOf([trust.operatorA, operatorA2, trust.operatorB, trust.operatorC]);
    const opened = await openGate(2, operators);
    try {
      const request = await transition({}, [trust.operatorA]);
      // approveTransition refuses the second vote itself ...
      await expect(approveTransition(request, operatorA2)).rejects.toMatchObject({
        reason: 'duplicate-signer',
      });
      // ... so the attacker appends it by hand.
      const second = await signPayload(
        operatorA2,
        TRANSITION_PAYLOAD_TYPE,
        transitionBodyBytes(request.body),
        'test',
      );
      const document = { ...request, signatures: [...request.signatures, second] };
      // Both signatures are genuine: the refusal is about who signed, not how.
      expect(
        operators.verify(
          second.keyId,
          preAuthEncoding(TRANSITION_PAYLOAD_TYPE, transitionBodyBytes(request.body)),
          Buffer.from(second.signature, 'base64'),
        ),
      ).toBe(true);
      await expectRejected(opened, document, 'duplicate-signer');
    } finally {
      await opened.close();
    }
  });
});
