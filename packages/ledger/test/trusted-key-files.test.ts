import { describe, expect, it } from 'vitest';
import {
  formatVerifierKey,
  NoteError,
  type NoteKey,
  parseTrustAnchor,
  parseTrustedKeys,
} from '../src/index.js';

const ORIGIN = 'bulwark.test/ledger';
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('trusted key files', () => {
  it('reads a bulwark keyring, binding its Ed25519 keys to the origin', () => {
    const keys = parseTrustedKeys(
      JSON.stringify({
        format: 'bulwark-keyring/v1',
        keys: [{ keyId: 'ledger-checkpoint/v1', algorithm: 'Ed25519', publicKey: KEY }],
      }),
      ORIGIN,
    );
    expect(keys).toHaveLength(1);
    expect(keys[0]?.name).toBe(ORIGIN);
    expect(Buffer.from(keys[0]!.publicKey).toString('base64')).toBe(KEY);
  });

  it.each([
    ['an empty keyring', { format: 'bulwark-keyring/v1', keys: [] }, /holds no Ed25519 key/],
    [
      'a keyring entry without a key id',
      { format: 'bulwark-keyring/v1', keys: [{ publicKey: KEY }] },
      /needs keyId/,
    ],
    ['another JSON document', { hello: 1 }, /not a bulwark-keyring\/v1 document/],
  ])('refuses %s with a NoteError instead of trusting nothing', (_label, doc, message) => {
    expect(() => parseTrustedKeys(JSON.stringify(doc), ORIGIN)).toThrow(NoteError);
    expect(() => parseTrustedKeys(JSON.stringify(doc), ORIGIN)).toThrow(message);
  });
});

describe('the origin a verifier trusts', () => {
  const key = { name: ORIGIN, publicKey: new Uint8Array(Buffer.alloc(32, 7)) };
  const other = { name: 'bulwark.test/other', publicKey: new Uint8Array(Buffer.alloc(32, 9)) };
  const keyring = (extra: object = {}) =>
    JSON.stringify({
      format: 'bulwark-keyring/v1',
      keys: [{ keyId: 'ledger-checkpoint/v1', algorithm: 'Ed25519', publicKey: KEY }],
      ...extra,
    });

  const named = (keys: readonly NoteKey[]) =>
    keys.map((k) => `${k.name} ${Buffer.from(k.publicKey).toString('hex')}`);

  it('comes from a C2SP verifier key, which names it, or from the caller', () => {
    expect(parseTrustAnchor(formatVerifierKey(key)).origin).toBe(ORIGIN);
    expect(named(parseTrustAnchor(formatVerifierKey(key), ORIGIN).keys)).toEqual(named([key]));
    // Several logs' keys in one file: the caller picks one, and only its keys are kept.
    const both = `${formatVerifierKey(key)}\n${formatVerifierKey(other)}\n`;
    expect(() => parseTrustAnchor(both)).toThrow(/names several origins/);
    expect(named(parseTrustAnchor(both, other.name).keys)).toEqual(named([other]));
  });

  it('comes from a keyring only when it carries one, and a bare key needs the caller to name it', () => {
    expect(parseTrustAnchor(keyring({ origin: ORIGIN }))).toMatchObject({ origin: ORIGIN });
    expect(() => parseTrustAnchor(keyring())).toThrow(/names no origin/);
    expect(parseTrustAnchor(keyring(), ORIGIN).keys[0]?.name).toBe(ORIGIN);
    expect(() => parseTrustAnchor(keyring({ origin: 'bad origin' }))).toThrow(NoteError);
  });

  it('refuses a caller origin the key file does not sign for', () => {
    expect(() => parseTrustAnchor(formatVerifierKey(key), other.name)).toThrow(
      `the key file signs for ${ORIGIN}, not the origin ${other.name}`,
    );
    expect(() => parseTrustAnchor(keyring({ origin: ORIGIN }), other.name)).toThrow(NoteError);
  });
});
