import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { publicKeyFromRaw, verifyEd25519 } from './ed25519.js';
import { KeysError, KeystoreCorruptError } from './errors.js';
import { parseKeyId } from './key-id.js';
import type { SignatureAlgorithm, Verifier } from './signer.js';

/** One public key version: what a verifier needs, and nothing secret. */
export interface PublicKeyEntry {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** ISO 8601, when known. */
  readonly createdAt?: string;
}

export const KEYRING_FORMAT = 'bulwark-keyring/v1';

/** The JSON document a keyring persists as (public keys in base64). */
export interface KeyringDocument {
  format: typeof KEYRING_FORMAT;
  keys: Array<{
    keyId: string;
    algorithm: SignatureAlgorithm;
    publicKey: string;
    createdAt?: string;
  }>;
}

/**
 * A Verifier over every public key version it has been given, current or rotated out, so a
 * signature stays verifiable for as long as its key id is kept here. Re-adding the same key id
 * with the same key is a no-op; with a different key it is refused, since that would let one id
 * name two keys.
 */
export class PublicKeyring implements Verifier {
  readonly #entries = new Map<string, { entry: PublicKeyEntry; key: KeyObject }>();

  constructor(entries: Iterable<PublicKeyEntry> = []) {
    for (const entry of entries) this.add(entry);
  }

  add(entry: PublicKeyEntry): this {
    parseKeyId(entry.keyId);
    if (entry.algorithm !== 'Ed25519') {
      throw new KeystoreCorruptError(
        `key ${entry.keyId}: unsupported algorithm ${entry.algorithm}`,
      );
    }
    const existing = this.#entries.get(entry.keyId);
    if (existing) {
      if (Buffer.compare(existing.entry.publicKey, entry.publicKey) !== 0) {
        throw new KeystoreCorruptError(
          `key ${entry.keyId} is already in the keyring with a different public key`,
        );
      }
      return this;
    }
    const publicKey = new Uint8Array(entry.publicKey);
    this.#entries.set(entry.keyId, {
      entry: { ...entry, publicKey },
      key: publicKeyFromRaw(publicKey),
    });
    return this;
  }

  has(keyId: string): boolean {
    return this.#entries.has(keyId);
  }

  get(keyId: string): PublicKeyEntry | undefined {
    return this.#entries.get(keyId)?.entry;
  }

  /** Every entry, sorted by name then version. */
  entries(): PublicKeyEntry[] {
    return [...this.#entries.values()]
      .map(({ entry }) => entry)
      .sort((a, b) => {
        const pa = parseKeyId(a.keyId);
        const pb = parseKeyId(b.keyId);
        return pa.name === pb.name ? pa.version - pb.version : pa.name < pb.name ? -1 : 1;
      });
  }

  verify(keyId: string, data: Uint8Array, signature: Uint8Array): boolean {
    const found = this.#entries.get(keyId);
    return found ? verifyEd25519(found.key, data, signature) : false;
  }

  toJSON(): KeyringDocument {
    return {
      format: KEYRING_FORMAT,
      keys: this.entries().map((entry) => ({
        keyId: entry.keyId,
        algorithm: entry.algorithm,
        publicKey: Buffer.from(entry.publicKey).toString('base64'),
        ...(entry.createdAt ? { createdAt: entry.createdAt } : {}),
      })),
    };
  }

  static fromJSON(document: unknown): PublicKeyring {
    const doc = document as Partial<KeyringDocument> | null;
    if (!doc || doc.format !== KEYRING_FORMAT || !Array.isArray(doc.keys)) {
      throw new KeystoreCorruptError(`not a ${KEYRING_FORMAT} document`);
    }
    return new PublicKeyring(
      doc.keys.map((key, index) => {
        if (typeof key?.keyId !== 'string' || typeof key.publicKey !== 'string') {
          throw new KeystoreCorruptError(
            `keyring entry ${index} needs keyId and publicKey strings`,
          );
        }
        return {
          keyId: key.keyId,
          algorithm: key.algorithm,
          publicKey: new Uint8Array(Buffer.from(key.publicKey, 'base64')),
          ...(typeof key.createdAt === 'string' ? { createdAt: key.createdAt } : {}),
        };
      }),
    );
  }
}

/** Writes the keyring atomically (temp file + rename), so a reader never sees half a file. */
export async function saveKeyring(path: string, keyring: PublicKeyring): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(keyring.toJSON(), null, 2)}\n`, { mode: 0o644 });
  await rename(temp, path);
}

export async function loadKeyring(path: string): Promise<PublicKeyring> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KeysError('BW_KEYS_NOT_FOUND', `keyring ${path} does not exist`);
    throw new KeystoreCorruptError(`cannot read keyring ${path}: ${code ?? 'error'}`, {
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new KeystoreCorruptError(`keyring ${path} is not valid JSON`, { cause: error });
  }
  return PublicKeyring.fromJSON(document);
}
