import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KEYRING_FORMAT,
  loadKeyring,
  PublicKeyring,
  parseKeyId,
  saveKeyring,
} from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const dir = mkdtempSync(join(tmpdir(), 'bulwark-keyring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyPair(keyId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  return {
    entry: { keyId, algorithm: 'Ed25519' as const, publicKey: raw },
    sign: (data: Uint8Array) => new Uint8Array(sign(null, data, privateKey)),
  };
}

describe('public keyring', () => {
  it('verifies by key id and rejects other keys, other data, and malformed signatures', () => {
    const v1 = keyPair('device/v1');
    const v2 = keyPair('device/v2');
    const keyring = new PublicKeyring([v1.entry, v2.entry]);
    const signature = v1.sign(bytes('m'));
    expect(keyring.verify('device/v1', bytes('m'), signature)).toBe(true);
    expect(keyring.verify('device/v2', bytes('m'), signature)).toBe(false);
    expect(keyring.verify('device/v1', bytes('n'), signature)).toBe(false);
    expect(keyring.verify('device/v3', bytes('m'), signature)).toBe(false);
    expect(keyring.verify('device/v1', bytes('m'), signature.subarray(0, 63))).toBe(false);
    expect(keyring.verify('device/v1', bytes('m'), new Uint8Array(64))).toBe(false);
    expect(keyring.has('device/v2')).toBe(true);
    expect(keyring.has('device/v3')).toBe(false);
  });

  it('round-trips through the JSON file and still verifies old signatures offline', async () => {
    const v1 = keyPair('checkpoint/v1');
    const v2 = keyPair('checkpoint/v2');
    const path = join(dir, 'nested', 'keyring.json');
    await saveKeyring(
      path,
      new PublicKeyring([v2.entry, { ...v1.entry, createdAt: '2026-01-01T00:00:00.000Z' }]),
    );
    const document = JSON.parse(readFileSync(path, 'utf8'));
    expect(document.format).toBe(KEYRING_FORMAT);
    expect(document.keys.map((k: { keyId: string }) => k.keyId)).toEqual([
      'checkpoint/v1',
      'checkpoint/v2',
    ]);
    expect(document.keys[0].createdAt).toBe('2026-01-01T00:00:00.000Z');
    const loaded = await loadKeyring(path);
    expect(loaded.verify('checkpoint/v1', bytes('old'), v1.sign(bytes('old')))).toBe(true);
    expect(loaded.verify('checkpoint/v2', bytes('new'), v2.sign(bytes('new')))).toBe(true);
  });

  it('refuses one key id naming two different keys, and accepts an identical re-add', () => {
    const a = keyPair('device/v1');
    const b = keyPair('device/v1');
    const keyring = new PublicKeyring([a.entry]);
    expect(() => keyring.add(a.entry)).not.toThrow();
    expect(() => keyring.add(b.entry)).toThrow(
      expect.objectContaining({ code: 'BW_KEYS_CORRUPT' }),
    );
  });

  it('rejects malformed keyring files with typed errors', async () => {
    const cases: Array<[string, string]> = [
      ['not json', 'BW_KEYS_CORRUPT'],
      ['{"format":"other","keys":[]}', 'BW_KEYS_CORRUPT'],
      [
        `{"format":"${KEYRING_FORMAT}","keys":[{"keyId":"bad id","algorithm":"Ed25519","publicKey":""}]}`,
        'BW_KEYS_INVALID_NAME',
      ],
      [
        `{"format":"${KEYRING_FORMAT}","keys":[{"keyId":"k/v1","algorithm":"Ed25519","publicKey":"AAAA"}]}`,
        'BW_KEYS_CORRUPT',
      ],
      [
        `{"format":"${KEYRING_FORMAT}","keys":[{"keyId":"k/v1","algorithm":"RSA","publicKey":"AAAA"}]}`,
        'BW_KEYS_CORRUPT',
      ],
      [`{"format":"${KEYRING_FORMAT}","keys":[null]}`, 'BW_KEYS_CORRUPT'],
    ];
    for (const [text, code] of cases) {
      const path = join(dir, 'bad.json');
      writeFileSync(path, text);
      await expect(loadKeyring(path)).rejects.toMatchObject({ code });
    }
    await expect(loadKeyring(join(dir, 'missing.json'))).rejects.toMatchObject({
      code: 'BW_KEYS_NOT_FOUND',
    });
  });

  it('parses key ids as <name>/v<N> only', () => {
    expect(parseKeyId('checkpoint/v12')).toEqual({ name: 'checkpoint', version: 12 });
    for (const bad of [
      'checkpoint',
      'checkpoint/v0',
      'checkpoint/v01',
      'a/b/v1',
      'Checkpoint/v1',
      '../x/v1',
    ]) {
      expect(() => parseKeyId(bad)).toThrow(
        expect.objectContaining({ code: 'BW_KEYS_INVALID_NAME' }),
      );
    }
  });
});
