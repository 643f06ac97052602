import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { KeystoreCorruptError } from './errors.js';

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** A raw 32-byte Ed25519 public key as a node:crypto KeyObject (via JWK, so no DER by hand). */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new KeystoreCorruptError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  }
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** The raw 32 bytes of an Ed25519 KeyObject (public or private). */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new KeystoreCorruptError(`expected an Ed25519 key, got ${publicKey.asymmetricKeyType}`);
  }
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new KeystoreCorruptError('Ed25519 key without a public point');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/** Parses a DER SubjectPublicKeyInfo (what KMS GetPublicKey returns) into raw Ed25519 bytes. */
export function rawPublicKeyFromSpki(der: Uint8Array): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (error) {
    throw new KeystoreCorruptError('the public key is not a valid DER SubjectPublicKeyInfo', {
      cause: error,
    });
  }
  return rawPublicKey(key);
}

/** Pure Ed25519 (RFC 8032) verification; false for malformed signatures rather than a throw. */
export function verifyEd25519(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array) {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  return verify(null, data, publicKey, signature);
}
