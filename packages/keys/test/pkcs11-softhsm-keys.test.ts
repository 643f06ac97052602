import { createHash, createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSoftHsmToken, SOFTHSM_MODULE, type SoftHsmToken, softhsm } from '@bulwark/testkit';
import type * as Pkcs11js from 'pkcs11js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  KeyExistsError,
  KeyNotFoundError,
  keyringOf,
  loadKeyring,
  MemoryAuditSink,
  openPkcs11KeyProvider,
  type Pkcs11KeyProvider,
  Pkcs11KeysError,
  ProviderClosedError,
  saveKeyring,
} from '../src/index.js';

const require = createRequire(import.meta.url);
const pkcs11js = require('pkcs11js') as typeof Pkcs11js;
const bytes = (text: string) => new TextEncoder().encode(text);

/** Verifies with node:crypto alone, from the raw public key: no Bulwark code in the loop. */
function nodeVerify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  return verify(null, data, key, signature);
}

describe.skipIf(!softhsm.available)('PKCS#11 provider on a real SoftHSM2 token', () => {
  let token: SoftHsmToken;
  const open: Pkcs11KeyProvider[] = [];
  const audit = new MemoryAuditSink();

  async function provider(overrides: { pin?: string; tokenLabel?: string; module?: string } = {}) {
    const opened = await openPkcs11KeyProvider({
      module: SOFTHSM_MODULE,
      tokenLabel: token.label,
      pin: token.pin,
      audit,
      ...overrides,
    });
    open.push(opened);
    return opened;
  }

  function freshToken() {
    token = createSoftHsmToken();
    return token;
  }

  afterEach(async () => {
    for (const p of open.splice(0)) await p.close();
    audit.records.length = 0;
    token?.remove();
  });

  it('generates the key inside the token and every C_Sign signature verifies with node:crypto', async () => {
    freshToken();
    const hsm = await provider();
    const created = await hsm.create('checkpoint');
    expect(created).toMatchObject({ keyId: 'checkpoint/v1', name: 'checkpoint', version: 1 });
    expect(created.publicKey).toHaveLength(32);

    const signer = await hsm.open('checkpoint');
    expect(signer.keyId).toBe('checkpoint/v1');
    for (const message of ['', 'a', 'tree size 42', 'x'.repeat(10_000)]) {
      const signature = await signer.sign(bytes(message), 'test');
      expect(signature).toHaveLength(64);
      expect(nodeVerify(signer.publicKey, bytes(message), signature)).toBe(true);
      expect(nodeVerify(signer.publicKey, bytes(`${message}!`), signature)).toBe(false);
    }
  });

  it('marks the private key sensitive, non-extractable, persistent and for signing only', async () => {
    freshToken();
    const hsm = await provider();
    await hsm.create('device');
    expect(await hsm.privateKeyAttributes('device/v1')).toEqual({
      token: true,
      sensitive: true,
      extractable: false,
      alwaysSensitive: true,
      neverExtractable: true,
      sign: true,
      decrypt: false,
      unwrap: false,
      derive: false,
    });
  });

  it('refuses to reveal the private key even to the logged-in user (CKR_ATTRIBUTE_SENSITIVE)', async () => {
    freshToken();
    const hsm = await provider();
    await hsm.create('device');
    await hsm.close();

    // An independent raw PKCS#11 session with the user PIN: the most a key-thief with our
    // credentials could do. Reading CKA_VALUE and loosening the protections must both fail.
    const raw = new pkcs11js.PKCS11();
    raw.load(SOFTHSM_MODULE);
    raw.C_Initialize();
    try {
      const slot = raw
        .C_GetSlotList(true)
        .find((s) => raw.C_GetTokenInfo(s).label.trimEnd() === token.label)!;
      const session = raw.C_OpenSession(
        slot,
        pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
      );
      raw.C_Login(session, pkcs11js.CKU_USER, token.pin);
      raw.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_LABEL, value: 'device/v1' },
      ]);
      const [privateKey] = raw.C_FindObjects(session, 10);
      raw.C_FindObjectsFinal(session);
      expect(privateKey).toBeDefined();

      const readValue = () =>
        raw.C_GetAttributeValue(session, privateKey!, [{ type: pkcs11js.CKA_VALUE }]);
      expect(readValue).toThrowError(
        expect.objectContaining({ name: 'Pkcs11Error', code: pkcs11js.CKR_ATTRIBUTE_SENSITIVE }),
      );
      expect(readValue).toThrowError(/CKR_ATTRIBUTE_SENSITIVE/);

      const loosen = (type: number, value: boolean) => () =>
        raw.C_SetAttributeValue(session, privateKey!, [{ type, value }]);
      expect(loosen(pkcs11js.CKA_EXTRACTABLE, true)).toThrowError(/CKR_ATTRIBUTE_READ_ONLY/);
      expect(loosen(pkcs11js.CKA_SENSITIVE, false)).toThrowError(/CKR_ATTRIBUTE_READ_ONLY/);
      raw.C_CloseSession(session);
    } finally {
      raw.C_Finalize();
      raw.close();
    }
  });

  it('rotation adds a version and signatures from every version stay verifiable offline', async () => {
    freshToken();
    const hsm = await provider();
    await hsm.create('checkpoint');
    const v1 = await hsm.open('checkpoint');
    const oldSignature = await v1.sign(bytes('checkpoint 1'), 'ledger.checkpoint');

    const rotated = await hsm.rotate('checkpoint');
    expect(rotated.keyId).toBe('checkpoint/v2');
    const v2 = await hsm.open('checkpoint');
    expect(v2.keyId).toBe('checkpoint/v2');
    expect(Buffer.compare(v2.publicKey, v1.publicKey)).not.toBe(0);
    const newSignature = await v2.sign(bytes('checkpoint 2'), 'ledger.checkpoint');
    expect((await hsm.versions('checkpoint')).map((v) => v.keyId)).toEqual([
      'checkpoint/v1',
      'checkpoint/v2',
    ]);

    // The old version can still sign when asked for explicitly.
    expect((await hsm.open('checkpoint', { version: 1 })).keyId).toBe('checkpoint/v1');

    const path = join(tmpdir(), `bulwark-keyring-${process.pid}-${Date.now()}.json`);
    await saveKeyring(path, await keyringOf(hsm));
    await hsm.close();
    const keyring = await loadKeyring(path);
    expect(keyring.verify('checkpoint/v1', bytes('checkpoint 1'), oldSignature)).toBe(true);
    expect(keyring.verify('checkpoint/v2', bytes('checkpoint 2'), newSignature)).toBe(true);
    expect(keyring.verify('checkpoint/v2', bytes('checkpoint 1'), oldSignature)).toBe(false);
  });

  it('records an audit entry for every signature, naming key, purpose and digest', async () => {
    freshToken();
    const hsm = await provider();
    await hsm.create('checkpoint');
    const signer = await hsm.open('checkpoint');
    const messages = ['one', 'two', 'three'].map(bytes);
    for (const message of messages) await signer.sign(message, 'ledger.checkpoint');
    await signer.sign(bytes('no purpose'));
    expect(audit.records).toHaveLength(4);
    expect(audit.records.map((r) => r.digest)).toEqual(
      [...messages, bytes('no purpose')].map((m) => createHash('sha256').update(m).digest('hex')),
    );
    expect(audit.records.map((r) => r.purpose)).toEqual([
      'ledger.checkpoint',
      'ledger.checkpoint',
      'ledger.checkpoint',
      'unspecified',
    ]);
    expect(new Set(audit.records.map((r) => r.keyId))).toEqual(new Set(['checkpoint/v1']));
  });

  it('keeps keys across sessions: a new provider finds the versions made by an earlier one', async () => {
    freshToken();
    const first = await provider();
    const created = await first.create('device');
    await first.close();
    const second = await provider();
    const [found] = await second.versions('device');
    expect(Buffer.compare(found!.publicKey, created.publicKey)).toBe(0);
  });

  it('two providers on one token: closing one leaves the other logged in and signing', async () => {
    freshToken();
    const a = await provider();
    const b = await provider();
    await a.create('shared');
    const signer = await b.open('shared');
    await a.close();
    const signature = await signer.sign(bytes('still here'));
    expect(nodeVerify(signer.publicKey, bytes('still here'), signature)).toBe(true);
  });

  it('a key destroyed under an open signer gives a typed error and the provider keeps working', async () => {
    freshToken();
    const hsm = await provider();
    await hsm.create('doomed');
    await hsm.create('survivor');
    const doomed = await hsm.open('doomed');
    const survivor = await hsm.open('survivor');

    // Another client of the same token deletes the private key (the module is already
    // initialised in this process, so this instance shares it and must not finalize it).
    const raw = new pkcs11js.PKCS11();
    raw.load(SOFTHSM_MODULE);
    expect(() => raw.C_Initialize()).toThrowError(/CKR_CRYPTOKI_ALREADY_INITIALIZED/);
    const slot = raw
      .C_GetSlotList(true)
      .find((s) => raw.C_GetTokenInfo(s).label.trimEnd() === token.label)!;
    const session = raw.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    raw.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_LABEL, value: 'doomed/v1' },
    ]);
    const [doomedKey] = raw.C_FindObjects(session, 1);
    raw.C_FindObjectsFinal(session);
    raw.C_DestroyObject(session, doomedKey!);
    raw.C_CloseSession(session);

    await expect(doomed.sign(bytes('x'))).rejects.toMatchObject({
      code: 'BW_PKCS11_OPERATION_FAILED',
      message: expect.stringMatching(/C_Sign with doomed\/v1 failed: CKR_/),
    });
    const signature = await survivor.sign(bytes('y'));
    expect(nodeVerify(survivor.publicKey, bytes('y'), signature)).toBe(true);
    expect(audit.records.map((r) => r.keyId)).toEqual(['survivor/v1']);
  });

  it('refuses to sign after close with a typed error', async () => {
    freshToken();
    const hsm = await provider();
    await hsm.create('device');
    const signer = await hsm.open('device');
    await hsm.close();
    await expect(signer.sign(bytes('late'))).rejects.toBeInstanceOf(ProviderClosedError);
    expect(audit.records).toHaveLength(0);
  });

  it('create on an existing key and rotate/open on a missing one are typed errors', async () => {
    freshToken();
    const hsm = await provider();
    await hsm.create('device');
    await expect(hsm.create('device')).rejects.toBeInstanceOf(KeyExistsError);
    await expect(hsm.rotate('missing')).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(hsm.open('missing')).rejects.toMatchObject({ code: 'BW_KEYS_NOT_FOUND' });
    await expect(hsm.open('device', { version: 7 })).rejects.toMatchObject({
      code: 'BW_KEYS_NOT_FOUND',
    });
  });

  it('a wrong PIN is BW_PKCS11_PIN_INCORRECT and the message never contains a PIN', async () => {
    freshToken();
    const wrongPin = 'wrong-pin-123456';
    const error = await provider({ pin: wrongPin }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Pkcs11KeysError);
    expect(error).toMatchObject({ code: 'BW_PKCS11_PIN_INCORRECT', ckr: 'CKR_PIN_INCORRECT' });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain(wrongPin);
    expect(text).not.toContain(token.pin);
    // The failed open released the module: a correct PIN works afterwards.
    await expect(provider()).resolves.toBeDefined();
  });

  it('a missing token is BW_PKCS11_TOKEN_NOT_FOUND and names the tokens present', async () => {
    freshToken();
    await expect(provider({ tokenLabel: 'no-such-token' })).rejects.toMatchObject({
      code: 'BW_PKCS11_TOKEN_NOT_FOUND',
      message: expect.stringContaining(token.label),
    });
  });

  it('a missing or invalid module path is BW_PKCS11_MODULE_LOAD_FAILED, not a crash', async () => {
    freshToken();
    await expect(provider({ module: '/nonexistent/libpkcs11.so' })).rejects.toMatchObject({
      code: 'BW_PKCS11_MODULE_LOAD_FAILED',
    });
    const notALibrary = join(tmpdir(), `bulwark-not-a-library-${process.pid}.so`);
    writeFileSync(notALibrary, 'this is not an ELF shared object');
    await expect(provider({ module: notALibrary })).rejects.toMatchObject({
      code: 'BW_PKCS11_MODULE_LOAD_FAILED',
    });
    // A real shared object that is not a PKCS#11 module (no C_GetFunctionList): pkcs11js's own addon.
    const notPkcs11 = join(dirname(require.resolve('pkcs11js')), 'build/Release/pkcs11.node');
    await expect(provider({ module: notPkcs11 })).rejects.toMatchObject({
      code: 'BW_PKCS11_MODULE_LOAD_FAILED',
    });
  });
});
