import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signPayload } from '@bulwark/keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, BUNDLE_PAYLOAD_TYPE } from '../src/bundle/schema.js';
import { encodeBundle, openBundle, signBundle } from '../src/bundle/signed-bundle.js';
import { BundleRefusedError, PolicyError } from '../src/errors.js';
import { ToolGate } from '../src/gate.js';
import {
  createTrust,
  GATE,
  InMemoryTestRecorder,
  type PolicyOptions,
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

async function signed(options: PolicyOptions, signers = [trust.policySigner]) {
  return encodeBundle(await signBundle(policyBytes(options), signers));
}

async function openGate(requireSignedBundles: boolean) {
  const stateDir = await mkdtemp(join(tmpdir(), 'bulwark-gate-state-'));
  dirs.push(stateDir);
  const recorder = new InMemoryTestRecorder();
  const gate = await ToolGate.open({
    gate: GATE,
    stateDir,
    initialBundle: await signed({ version: 2 }),
    policyKeys: trust.policyKeys,
    requireSignedBundles,
    operators: trust.operatorKeys,
    quorum: 1,
    recorder,
  });
  return { gate, recorder };
}

/** Installs, expects the refusal, its record, and the installed policy unchanged. */
async function expectRefused(
  opened: Awaited<ReturnType<typeof openGate>>,
  bytes: Uint8Array,
  reason: BundleRefusedError['reason'],
) {
  const before = opened.gate.status();
  const error = await opened.gate.installBundle(bytes, 'release-bot').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleRefusedError);
  expect((error as BundleRefusedError).reason).toBe(reason);
  const record = opened.recorder.last();
  expect(record).toMatchObject({
    kind: 'gate.bundle.refused',
    actor: 'release-bot',
    payload: { reason, installedVersion: before.policyVersion },
  });
  expect(opened.gate.status().policyDigest).toBe(before.policyDigest);
}

describe('a production gate (signatures required)', () => {
  it('installs a valid, signed, higher version and records it', async () => {
    const opened = await openGate(true);
    const before = opened.gate.status();
    const status = await opened.gate.installBundle(
      await signed({ version: 3, withoutShell: true }),
      'release-bot',
    );
    expect(status).toMatchObject({
      policyVersion: 3,
      mode: 'PUB',
      signed: true,
      signedBy: [trust.policySigner.keyId],
    });
    expect(status.policyDigest).not.toBe(before.policyDigest);
    expect(opened.recorder.last()).toMatchObject({
      kind: 'gate.bundle.installed',
      payload: { policyVersion: 3, previousVersion: 2 },
    });
  });

  it('refuses an unsigned bundle: a bare policy or an empty signature list', async () => {
    const opened = await openGate(true);
    await expectRefused(opened, policyBytes({ version: 3 }), 'unsigned');
    const empty = encodeBundle({
      format: BUNDLE_FORMAT,
      payload: Buffer.from(policyBytes({ version: 3 })).toString('base64'),
      signatures: [],
    });
    await expectRefused(opened, empty, 'unsigned');
  });

  it('refuses a bundle signed by a key it does not trust', async () => {
    const opened = await openGate(true);
    await expectRefused(opened, await signed({ version: 3 }, [trust.intruder]), 'unknown-key');
    // One good signature does not excuse an untrusted one beside it.
    await expectRefused(
      opened,
      await signed({ version: 3 }, [trust.policySigner, trust.intruder]),
      'unknown-key',
    );
  });

  it('refuses a rollback to the installed or an older version', async () => {
    const opened = await openGate(true);
    await expectRefused(opened, await signed({ version: 2 }), 'rollback');
    await expectRefused(opened, await signed({ version: 1 }), 'rollback');
  });

  it('refuses an expired bundle', async () => {
    const opened = await openGate(true);
    const past = new Date(Date.now() - 60_000).toISOString();
    await expectRefused(opened, await signed({ version: 3, expiresAt: past }), 'expired');
  });

  it('refuses a payload changed after signing', async () => {
    const opened = await openGate(true);
    const bundle = await signBundle(policyBytes({ version: 3 }), [trust.policySigner]);
    const swapped = {
      ...bundle,
      payload: Buffer.from(policyBytes({ version: 3, withoutShell: true })).toString('base64'),
    };
    await expectRefused(opened, encodeBundle(swapped), 'tampered');
  });

  it('refuses a policy signed for another gate', async () => {
    const opened = await openGate(true);
    await expectRefused(opened, await signed({ version: 3, gate: 'gate-b' }), 'wrong-gate');
  });

  it('refuses malformed bundles and signed but invalid policy', async () => {
    const opened = await openGate(true);
    await expectRefused(opened, Buffer.from('{"format":"bulwark.policy-bundle/v1"}'), 'malformed');
    const bundle = await signBundle(policyBytes({ version: 3 }), [trust.policySigner]);
    await expectRefused(
      opened,
      encodeBundle({ ...bundle, payload: `${bundle.payload}!` }),
      'malformed',
    );
    // signBundle will not sign an invalid policy; a hand-made signature still gets refused.
    const invalid = Buffer.from(JSON.stringify({ format: 'bulwark.policy/v1', gate: GATE }));
    await expect(signBundle(invalid, [trust.policySigner])).rejects.toBeInstanceOf(PolicyError);
    const handSigned = encodeBundle({
      format: BUNDLE_FORMAT,
      payload: invalid.toString('base64'),
      signatures: [await signPayload(trust.policySigner, BUNDLE_PAYLOAD_TYPE, invalid, 'test')],
    });
    await expectRefused(opened, handSigned, 'invalid-policy');
  });
});

describe('a development gate (signatures not required)', () => {
  it('installs an unsigned bare policy', async () => {
    const opened = await openGate(false);
    const status = await opened.gate.installBundle(policyBytes({ version: 3 }), 'dev');
    expect(status).toMatchObject({ policyVersion: 3, signed: false, signedBy: [] });
  });

  it('still refuses a signature block that does not verify', async () => {
    const opened = await openGate(false);
    const bundle = await signBundle(policyBytes({ version: 3 }), [trust.policySigner]);
    const signature = bundle.signatures[0]!;
    const flipped = Buffer.from(signature.signature, 'base64');
    flipped.writeUInt8(flipped.readUInt8(0) ^ 0xff, 0);
    const forged = {
      ...bundle,
      signatures: [{ ...signature, signature: flipped.toString('base64') }],
    };
    await expectRefused(opened, encodeBundle(forged), 'bad-signature');
    await expectRefused(opened, await signed({ version: 3 }, [trust.intruder]), 'unknown-key');
  });

  it('refuses a signature made for another kind of document', async () => {
    const bytes = policyBytes({ version: 3 });
    const wrongType = encodeBundle({
      format: BUNDLE_FORMAT,
      payload: Buffer.from(bytes).toString('base64'),
      signatures: [
        await signPayload(
          trust.policySigner,
          'application/vnd.bulwark.gate-transition+json',
          bytes,
          'test',
        ),
      ],
    });
    let refusal: unknown;
    try {
      openBundle(wrongType, {
        gate: GATE,
        keyring: trust.policyKeys,
        requireSignature: false,
        now: new Date(),
      });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(BundleRefusedError);
    expect((refusal as BundleRefusedError).reason).toBe('bad-signature');
  });
});
