import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  JsonlFileAuditSink,
  type KeyProvider,
  KeysError,
  keyProviderConfigFromEnv,
  keyringOf,
  openKeyProvider,
  openOrCreateKey,
  type PublicKeyring,
  type Signer,
} from '@bulwark/keys';
import { UsageError } from '../exit-codes.js';

export interface SigningKey {
  readonly signer: Signer;
  /** Every public key version of the configured provider: what this machine trusts. */
  readonly keyring: PublicKeyring;
  close(): Promise<void>;
}

/**
 * Opens key `name` from the configured provider (BULWARK_KEYS_PROVIDER: the file keystore by
 * default, PKCS#11 for an HSM). Outside production a missing key is created, as the services do
 * on a developer's first start; in production it is the operator's to provision, and missing is
 * an error. Each signature is recorded in `auditLog` (JSON lines) before it is made.
 */
export async function openSigningKey(
  name: string,
  /** The key provider's audit sink: one JSON line per signature, written before it is made. */
  auditLog: string,
): Promise<SigningKey> {
  await mkdir(dirname(auditLog), { recursive: true });
  const audit = new JsonlFileAuditSink(auditLog);
  let provider: KeyProvider | undefined;
  try {
    provider = await openKeyProvider(keyProviderConfigFromEnv(), audit);
    const signer = await openOrCreateKey(provider, name, {
      create: process.env.NODE_ENV !== 'production',
    });
    const keyring = await keyringOf(provider);
    const opened = provider;
    return {
      signer,
      keyring,
      async close() {
        await opened.close();
        await audit.close();
      },
    };
  } catch (error) {
    await provider?.close().catch(() => undefined);
    await audit.close().catch(() => undefined);
    if (error instanceof KeysError) throw new UsageError(`signing key ${name}: ${error.message}`);
    throw error;
  }
}
