import type { KMSClient } from '@aws-sdk/client-kms';
import { type AuditSink, auditedSigner } from '../audit.js';
import { ED25519_SIGNATURE_BYTES, rawPublicKeyFromSpki } from '../ed25519.js';
import {
  KeyExistsError,
  KeyNotFoundError,
  KeysError,
  KmsKeysError,
  ProviderClosedError,
} from '../errors.js';
import { assertKeyName, formatKeyId, tryParseKeyId } from '../key-id.js';
import {
  type KeyProvider,
  type KeyVersionInfo,
  type OpenSignerOptions,
  sortVersions,
} from '../provider.js';
import type { Signer } from '../signer.js';

/**
 * AWS KMS Ed25519: key spec ECC_NIST_EDWARDS25519, signing algorithm ED25519_SHA_512 with
 * MessageType RAW, which is pure Ed25519 (RFC 8032) and verifies with node:crypto. The pre-hashed
 * ED25519_PH_SHA_512 variant is a different signature scheme and is deliberately not used.
 */
/**
 * The SDK's command classes, loaded on first use: the SDK takes about 0.2 s to import, which
 * every process that loads @bulwark/keys without using KMS (each CLI command) would otherwise pay.
 * The caller's KMSClient has loaded it already by the time a command is sent.
 */
let sdk: Promise<typeof import('@aws-sdk/client-kms')> | undefined;
const kmsSdk = () => {
  sdk ??= import('@aws-sdk/client-kms');
  return sdk;
};

export const KMS_ED25519_KEY_SPEC = 'ECC_NIST_EDWARDS25519';
export const KMS_ED25519_SIGNING_ALGORITHM = 'ED25519_SHA_512';
/** KMS Sign accepts at most 4096 bytes with MessageType RAW. */
export const KMS_MAX_RAW_MESSAGE_BYTES = 4096;

export interface KmsSignerOptions {
  readonly client: KMSClient;
  /** Any KMS key reference: key id, key ARN, alias name or alias ARN. */
  readonly kmsKeyId: string;
  /** The Bulwark key id signatures will name, e.g. "checkpoint/v1". */
  readonly keyId: string;
  readonly audit: AuditSink;
}

/** A Signer over one existing KMS key: GetPublicKey once, then one Sign call per signature. */
export async function openKmsSigner(options: KmsSignerOptions): Promise<Signer> {
  const { client, kmsKeyId, keyId } = options;
  const described = await send(`GetPublicKey for ${kmsKeyId}`, async () =>
    client.send(new (await kmsSdk()).GetPublicKeyCommand({ KeyId: kmsKeyId })),
  );
  if (described.KeySpec !== KMS_ED25519_KEY_SPEC || described.KeyUsage !== 'SIGN_VERIFY') {
    throw new KmsKeysError(
      'BW_KMS_KEY_SPEC_UNSUPPORTED',
      `KMS key ${kmsKeyId} is ${described.KeySpec ?? 'unknown'}/${described.KeyUsage ?? 'unknown'}; Bulwark needs ${KMS_ED25519_KEY_SPEC}/SIGN_VERIFY`,
    );
  }
  if (!described.SigningAlgorithms?.includes(KMS_ED25519_SIGNING_ALGORITHM)) {
    throw new KmsKeysError(
      'BW_KMS_KEY_SPEC_UNSUPPORTED',
      `KMS key ${kmsKeyId} does not offer ${KMS_ED25519_SIGNING_ALGORITHM}`,
    );
  }
  if (!described.PublicKey) {
    throw new KmsKeysError(
      'BW_KMS_REQUEST_FAILED',
      `GetPublicKey for ${kmsKeyId} returned no public key`,
    );
  }
  const signer: Signer = {
    keyId,
    algorithm: 'Ed25519',
    publicKey: rawPublicKeyFromSpki(described.PublicKey),
    async sign(data) {
      if (data.length > KMS_MAX_RAW_MESSAGE_BYTES) {
        throw new KmsKeysError(
          'BW_KMS_MESSAGE_TOO_LARGE',
          `KMS signs at most ${KMS_MAX_RAW_MESSAGE_BYTES} bytes; got ${data.length}`,
        );
      }
      const result = await send(`Sign with ${kmsKeyId}`, async () =>
        client.send(
          new (await kmsSdk()).SignCommand({
            KeyId: kmsKeyId,
            Message: data,
            MessageType: 'RAW',
            SigningAlgorithm: KMS_ED25519_SIGNING_ALGORITHM,
          }),
        ),
      );
      if (result.Signature?.length !== ED25519_SIGNATURE_BYTES) {
        throw new KmsKeysError(
          'BW_KMS_REQUEST_FAILED',
          `Sign with ${kmsKeyId} returned no 64-byte Ed25519 signature`,
        );
      }
      return new Uint8Array(result.Signature);
    },
  };
  return auditedSigner(signer, options.audit);
}

export interface KmsKeyProviderOptions {
  readonly client: KMSClient;
  readonly audit: AuditSink;
  /** Alias namespace; versions live at `alias/<prefix>/<name>/v<N>`. Default "bulwark". */
  readonly aliasPrefix?: string;
}

/**
 * KMS does not rotate asymmetric keys itself, so each version is its own KMS key with an alias
 * `alias/<prefix>/<name>/v<N>`; rotation creates a key and the next alias, and old keys stay for
 * GetPublicKey (verification) until an operator schedules their deletion.
 */
export function kmsKeyProvider(options: KmsKeyProviderOptions): KeyProvider {
  const prefix = `alias/${options.aliasPrefix ?? 'bulwark'}/`;
  const { client } = options;
  const where = `AWS KMS (${prefix}*)`;
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new ProviderClosedError('aws-kms');
  };

  async function aliases(): Promise<
    Array<{ keyId: string; name: string; version: number; createdAt?: string }>
  > {
    const found: Array<{ keyId: string; name: string; version: number; createdAt?: string }> = [];
    let marker: string | undefined;
    do {
      const page = await send('ListAliases', async () =>
        client.send(new (await kmsSdk()).ListAliasesCommand({ Marker: marker, Limit: 100 })),
      );
      for (const alias of page.Aliases ?? []) {
        if (!alias.AliasName?.startsWith(prefix)) continue;
        const parsed = tryParseKeyId(alias.AliasName.slice(prefix.length));
        if (!parsed) continue;
        found.push({
          keyId: formatKeyId(parsed.name, parsed.version),
          ...parsed,
          ...(alias.CreationDate ? { createdAt: alias.CreationDate.toISOString() } : {}),
        });
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return sortVersions(found);
  }

  async function describe(entry: {
    keyId: string;
    name: string;
    version: number;
    createdAt?: string;
  }): Promise<KeyVersionInfo> {
    const result = await send(`GetPublicKey for ${prefix}${entry.keyId}`, async () =>
      client.send(new (await kmsSdk()).GetPublicKeyCommand({ KeyId: `${prefix}${entry.keyId}` })),
    );
    if (!result.PublicKey) {
      throw new KmsKeysError(
        'BW_KMS_REQUEST_FAILED',
        `GetPublicKey for ${entry.keyId} returned no public key`,
      );
    }
    return { ...entry, algorithm: 'Ed25519', publicKey: rawPublicKeyFromSpki(result.PublicKey) };
  }

  async function versionsOf(name: string) {
    return (await aliases()).filter((entry) => entry.name === name);
  }

  async function createVersion(name: string, version: number): Promise<KeyVersionInfo> {
    const keyId = formatKeyId(name, version);
    const created = await send('CreateKey', async () =>
      client.send(
        new (await kmsSdk()).CreateKeyCommand({
          KeySpec: KMS_ED25519_KEY_SPEC,
          KeyUsage: 'SIGN_VERIFY',
          Description: `Bulwark signing key ${keyId}`,
          Tags: [{ TagKey: 'bulwark:key-id', TagValue: keyId }],
        }),
      ),
    );
    const kmsKeyId = created.KeyMetadata?.KeyId;
    if (!kmsKeyId) throw new KmsKeysError('BW_KMS_REQUEST_FAILED', 'CreateKey returned no key id');
    await send(`CreateAlias ${prefix}${keyId}`, async () =>
      client.send(
        new (await kmsSdk()).CreateAliasCommand({
          AliasName: `${prefix}${keyId}`,
          TargetKeyId: kmsKeyId,
        }),
      ),
    );
    return describe({
      keyId,
      name,
      version,
      ...(created.KeyMetadata?.CreationDate
        ? { createdAt: created.KeyMetadata.CreationDate.toISOString() }
        : {}),
    });
  }

  return {
    kind: 'aws-kms',
    async create(name) {
      assertOpen();
      if ((await versionsOf(assertKeyName(name))).length > 0) throw new KeyExistsError(name, where);
      return createVersion(name, 1);
    },
    async rotate(name) {
      assertOpen();
      const newest = (await versionsOf(assertKeyName(name))).at(-1);
      if (!newest) throw new KeyNotFoundError(name, where);
      return createVersion(name, newest.version + 1);
    },
    async versions(name) {
      assertOpen();
      const found = await versionsOf(assertKeyName(name));
      if (found.length === 0) throw new KeyNotFoundError(name, where);
      return Promise.all(found.map(describe));
    },
    async list() {
      assertOpen();
      return Promise.all((await aliases()).map(describe));
    },
    async open(name, openOptions: OpenSignerOptions = {}) {
      assertOpen();
      const found = await versionsOf(assertKeyName(name));
      const entry =
        openOptions.version === undefined
          ? found.at(-1)
          : found.find((v) => v.version === openOptions.version);
      if (!entry) {
        const id =
          openOptions.version === undefined ? name : formatKeyId(name, openOptions.version);
        throw new KeyNotFoundError(id, where);
      }
      return openKmsSigner({
        client,
        kmsKeyId: `${prefix}${entry.keyId}`,
        keyId: entry.keyId,
        audit: options.audit,
      });
    },
    async close() {
      closed = true;
    },
  };
}

/** One KMS call; SDK failures become typed errors naming the call and the AWS error name. */
async function send<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KeysError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    if (name === 'NotFoundException')
      throw new KeyNotFoundError(operation.replace(/^\w+ (for |with )?/, ''), 'AWS KMS');
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new KmsKeysError(
      'BW_KMS_REQUEST_FAILED',
      `KMS ${operation} failed: ${name}: ${message}`,
      { cause: error },
    );
  }
}
