import { KeyNotFoundError } from './errors.js';
import { type PublicKeyEntry, PublicKeyring } from './keyring.js';
import type { Signer } from './signer.js';

export type KeyProviderKind = 'file' | 'pkcs11' | 'aws-kms';

/** One version of a named key, as a provider lists it. */
export interface KeyVersionInfo extends PublicKeyEntry {
  readonly name: string;
  readonly version: number;
}

export interface OpenSignerOptions {
  /** A specific version; the newest when omitted. */
  readonly version?: number;
}

/**
 * Where keys live and how they are made. Every provider names versions `<name>/v<N>`; `create`
 * makes v1, `rotate` adds the next version and leaves the old ones for verification. Signers it
 * opens are audited: each signature is recorded through the provider's AuditSink first.
 */
export interface KeyProvider {
  readonly kind: KeyProviderKind;
  /** Creates `<name>/v1`; KeyExistsError when the name already has versions. */
  create(name: string): Promise<KeyVersionInfo>;
  /** Adds the next version of an existing key; KeyNotFoundError when it has none. */
  rotate(name: string): Promise<KeyVersionInfo>;
  /** Every version of one key, oldest first; KeyNotFoundError when it has none. */
  versions(name: string): Promise<KeyVersionInfo[]>;
  /** Every version of every key, sorted by name then version. */
  list(): Promise<KeyVersionInfo[]>;
  /** A signer for the newest (or a given) version; KeyNotFoundError when missing. */
  open(name: string, options?: OpenSignerOptions): Promise<Signer>;
  /** Releases sessions, logins and handles. Signers opened here stop working. */
  close(): Promise<void>;
}

/** A keyring of every public key version the provider holds, for offline verification. */
export async function keyringOf(provider: KeyProvider): Promise<PublicKeyring> {
  return new PublicKeyring(await provider.list());
}

/**
 * Opens key `name`, creating its first version when it does not exist and `create` allows it: a
 * service's development start-up, where nobody provisioned the key. In production a missing key
 * is an error for the operator, never something a service makes up.
 */
export async function openOrCreateKey(
  provider: KeyProvider,
  name: string,
  options: { create: boolean },
): Promise<Signer> {
  try {
    return await provider.open(name);
  } catch (error) {
    if (!(error instanceof KeyNotFoundError) || !options.create) throw error;
    await provider.create(name);
    return provider.open(name);
  }
}

export function sortVersions<T extends { name: string; version: number }>(versions: T[]): T[] {
  return versions.sort((a, b) =>
    a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1,
  );
}
