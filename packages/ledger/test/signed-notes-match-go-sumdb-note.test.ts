/**
 * Interop: our C2SP signed notes byte-for-byte against the reference vector of Go's
 * golang.org/x/mod/sumdb/note (note.go package documentation and note_test.go), which every
 * Go witness and verifier uses, and the '+'-in-base64 key from transparency-dev/formats tests.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { Signer } from '@bulwark/keys';
import { describe, expect, it } from 'vitest';
import {
  formatVerifierKey,
  NoteError,
  parseVerifierKey,
  signNote,
  verifyNote,
} from '../src/index.js';

const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NOTE = `${TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function signerFromGoKey(skey: string): Signer {
  // The key's base64 may itself contain '+': everything after the fourth '+' is the key.
  const seed = Buffer.from(skey.split('+').slice(4).join('+'), 'base64').subarray(1);
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey)
    .export({ format: 'der', type: 'spki' })
    .subarray(12);
  return {
    keyId: 'PeterNeumann/v1',
    algorithm: 'Ed25519',
    publicKey: new Uint8Array(publicKey),
    sign: async (data) => new Uint8Array(sign(null, data, privateKey)),
  };
}

describe('C2SP signed notes against Go sumdb/note', () => {
  it('signs the reference text to exactly the reference note', async () => {
    const signer = signerFromGoKey(PETER_SKEY);
    expect(formatVerifierKey({ name: 'PeterNeumann', publicKey: signer.publicKey })).toBe(
      PETER_VKEY,
    );
    expect(await signNote(TEXT, 'PeterNeumann', signer)).toBe(NOTE);
  });

  it('opens the reference note with the reference verifier key, and rejects any change', () => {
    const key = parseVerifierKey(PETER_VKEY);
    expect(verifyNote(NOTE, [key]).body).toBe(TEXT);
    expect(() => verifyNote(NOTE.replace('problem,', 'problem;'), [key])).toThrow(NoteError);
    expect(() => verifyNote(NOTE.replace('PeterNeumann x08', 'PeterNeumanm x08'), [key])).toThrow(
      NoteError,
    );
  });

  it('parses verifier keys whose base64 contains "+", and refuses a wrong key hash', () => {
    expect(
      parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6').name,
    ).toBe('TEST');
    expect(() =>
      parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(NoteError);
  });
});
