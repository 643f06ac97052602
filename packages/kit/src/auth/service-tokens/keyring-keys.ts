import { type CryptoKey, importJWK } from 'jose';
import { readConfigFile } from '../../config-file.js';
import { ConfigError } from '../../errors.js';

/** @bulwark/keys' public keyring document (keyring.ts); read here without importing that package. */
const KEYRING_FORMAT = 'bulwark-keyring/v1';
const ED25519_PUBLIC_KEY_BYTES = 32;

interface KeyringEntry {
  keyId?: unknown;
  algorithm?: unknown;
  publicKey?: unknown;
}

/**
 * The Ed25519 public keys of a `bulwark-keyring/v1` file, by key id, as jose keys (OKP JWKs,
 * RFC 8037) bound to EdDSA. Errors name the file and the entry, never key material.
 */
export async function readKeyringKeys(path: string): Promise<Map<string, CryptoKey>> {
  const text = await readConfigFile(path, 'service token keyring');
  let document: { format?: unknown; keys?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    throw new ConfigError(`service token keyring ${path} is not valid JSON`);
  }
  if (document?.format !== KEYRING_FORMAT || !Array.isArray(document.keys)) {
    throw new ConfigError(`service token keyring ${path} is not a ${KEYRING_FORMAT} document`);
  }
  const keys = new Map<string, CryptoKey>();
  for (const [index, entry] of (document.keys as KeyringEntry[]).entries()) {
    const raw =
      typeof entry?.publicKey === 'string' ? Buffer.from(entry.publicKey, 'base64') : undefined;
    if (
      typeof entry?.keyId !== 'string' ||
      entry.algorithm !== 'Ed25519' ||
      raw?.byteLength !== ED25519_PUBLIC_KEY_BYTES
    ) {
      throw new ConfigError(
        `service token keyring ${path}: entry ${index} needs a keyId, algorithm Ed25519 and a 32-byte base64 publicKey`,
      );
    }
    const key = await importJWK(
      { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      'EdDSA',
    );
    keys.set(entry.keyId, key as CryptoKey);
  }
  return keys;
}
