import { generateKeyPairSync, sign } from 'node:crypto';
import type { Signer } from '@bulwark/keys';

/**
 * An in-process Ed25519 signer over node:crypto, for tests only (the real ones come from
 * @bulwark/keys: file keystore, PKCS#11, KMS). Counts signatures so tests can assert on them.
 */
export function testSigner(keyId = 'ledger-test/v1'): Signer & { readonly signatures: string[] } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const signatures: string[] = [];
  return {
    keyId,
    algorithm: 'Ed25519',
    publicKey: new Uint8Array(raw),
    signatures,
    async sign(data: Uint8Array, purpose = 'unspecified') {
      signatures.push(purpose);
      return new Uint8Array(sign(null, data, privateKey));
    },
  };
}

/** Serializes a test signer's private key so a child process can use the same key. */
export function exportableTestSigner(): { signer: Signer; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    signer: {
      keyId: 'ledger-test/v1',
      algorithm: 'Ed25519',
      publicKey: new Uint8Array(raw),
      sign: async (data) => new Uint8Array(sign(null, data, privateKey)),
    },
  };
}
