import { describe, expect, it } from 'vitest';
import { NoteError, parseTrustedKeys } from '../src/index.js';

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
