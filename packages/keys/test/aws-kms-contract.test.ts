/**
 * CONTRACT TEST: there is no real AWS KMS here. The real @aws-sdk/client-kms client serialises
 * each request and parses each response; only the HTTP exchange is answered by FakeKms below,
 * which follows the KMS JSON API (awsJson1_1, X-Amz-Target TrentService.*) and signs with
 * node:crypto Ed25519. This proves the request/response mapping, not KMS itself.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { Readable } from 'node:stream';
import { KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import {
  KeyExistsError,
  KeyNotFoundError,
  KMS_MAX_RAW_MESSAGE_BYTES,
  kmsKeyProvider,
  MemoryAuditSink,
  openKmsSigner,
  PublicKeyring,
} from '../src/index.js';

interface FakeKey {
  keySpec: string;
  privateKey: KeyObject;
  spki: Buffer;
  created: number;
}

interface HttpRequestLike {
  headers: Record<string, string>;
  body?: unknown;
}

/** Answers the KMS JSON protocol for the calls Bulwark makes; records every request it saw. */
class FakeKms {
  readonly keys = new Map<string, FakeKey>();
  readonly aliases = new Map<string, { target: string; created: number }>();
  readonly requests: Array<{ target: string; body: Record<string, unknown> }> = [];
  /** Page size for ListAliases, to exercise pagination. */
  pageSize = 2;

  addKey(keySpec = 'ECC_NIST_EDWARDS25519'): string {
    const id = randomUUID();
    const { privateKey, publicKey } =
      keySpec === 'ECC_NIST_EDWARDS25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keys.set(id, {
      keySpec,
      privateKey,
      spki: publicKey.export({ format: 'der', type: 'spki' }),
      created: Math.floor(Date.now() / 1000),
    });
    return id;
  }

  client(): KMSClient {
    return new KMSClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDCONTRACTTEST', secretAccessKey: 'contract-test-secret' },
      maxAttempts: 1,
      requestHandler: { handle: (request: HttpRequestLike) => this.#handle(request) },
    });
  }

  async #handle(request: HttpRequestLike) {
    const target = request.headers['x-amz-target'] ?? '';
    const body = JSON.parse(
      Buffer.from((request.body as Uint8Array | undefined) ?? '{}').toString('utf8'),
    ) as Record<string, unknown>;
    this.requests.push({ target, body });
    try {
      return respond(200, this.#answer(target.replace('TrentService.', ''), body));
    } catch (error) {
      const [type, message] = (error as Error).message.split(': ');
      return respond(400, { __type: type, message });
    }
  }

  #resolve(keyId: unknown): FakeKey {
    const id = String(keyId);
    const target = id.startsWith('alias/') ? this.aliases.get(id)?.target : id;
    const key = target ? this.keys.get(target) : undefined;
    if (!key) throw new Error(`NotFoundException: Key '${id}' does not exist`);
    return key;
  }

  #answer(operation: string, body: Record<string, unknown>): unknown {
    switch (operation) {
      case 'GetPublicKey': {
        const key = this.#resolve(body.KeyId);
        const ed = key.keySpec === 'ECC_NIST_EDWARDS25519';
        return {
          KeyId: String(body.KeyId),
          KeySpec: key.keySpec,
          KeyUsage: 'SIGN_VERIFY',
          PublicKey: key.spki.toString('base64'),
          SigningAlgorithms: ed ? ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] : ['ECDSA_SHA_256'],
        };
      }
      case 'Sign': {
        const key = this.#resolve(body.KeyId);
        if (body.SigningAlgorithm !== 'ED25519_SHA_512' || body.MessageType !== 'RAW') {
          throw new Error('ValidationException: ED25519_SHA_512 requires MessageType RAW');
        }
        const message = Buffer.from(String(body.Message), 'base64');
        if (message.length > 4096) throw new Error('ValidationException: message too long');
        return {
          KeyId: String(body.KeyId),
          Signature: sign(null, message, key.privateKey).toString('base64'),
          SigningAlgorithm: body.SigningAlgorithm,
        };
      }
      case 'CreateKey': {
        if (body.KeySpec !== 'ECC_NIST_EDWARDS25519' || body.KeyUsage !== 'SIGN_VERIFY') {
          throw new Error('ValidationException: unexpected key spec');
        }
        const id = this.addKey();
        return {
          KeyMetadata: {
            KeyId: id,
            CreationDate: this.keys.get(id)!.created,
            KeySpec: body.KeySpec,
          },
        };
      }
      case 'CreateAlias': {
        const name = String(body.AliasName);
        if (this.aliases.has(name)) throw new Error(`AlreadyExistsException: ${name} exists`);
        this.aliases.set(name, {
          target: String(body.TargetKeyId),
          created: Math.floor(Date.now() / 1000),
        });
        return {};
      }
      case 'ListAliases': {
        const all = [...this.aliases.entries()];
        const start = body.Marker ? Number(body.Marker) : 0;
        const page = all.slice(start, start + this.pageSize);
        const more = start + this.pageSize < all.length;
        return {
          Aliases: page.map(([AliasName, a]) => ({
            AliasName,
            TargetKeyId: a.target,
            CreationDate: a.created,
          })),
          Truncated: more,
          ...(more ? { NextMarker: String(start + this.pageSize) } : {}),
        };
      }
      default:
        throw new Error(`UnsupportedOperationException: ${operation}`);
    }
  }
}

function respond(statusCode: number, body: unknown) {
  return Promise.resolve({
    response: {
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    },
  });
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('aws-kms provider (contract test against a fake KMS endpoint)', () => {
  it('maps sign() to Sign with ED25519_SHA_512, MessageType RAW and the raw message', async () => {
    const kms = new FakeKms();
    const kmsKeyId = kms.addKey();
    const audit = new MemoryAuditSink();
    const signer = await openKmsSigner({
      client: kms.client(),
      kmsKeyId,
      keyId: 'checkpoint/v1',
      audit,
    });
    expect(signer.keyId).toBe('checkpoint/v1');
    expect(signer.publicKey).toHaveLength(32);

    const signature = await signer.sign(bytes('tree head'), 'ledger.checkpoint');
    const signRequest = kms.requests.find((r) => r.target === 'TrentService.Sign');
    expect(signRequest?.body).toEqual({
      KeyId: kmsKeyId,
      Message: Buffer.from('tree head').toString('base64'),
      MessageType: 'RAW',
      SigningAlgorithm: 'ED25519_SHA_512',
    });
    expect(kms.requests[0]).toEqual({
      target: 'TrentService.GetPublicKey',
      body: { KeyId: kmsKeyId },
    });
    // The SPKI public key from GetPublicKey verifies the KMS signature: pure Ed25519.
    const keyring = new PublicKeyring([
      { keyId: signer.keyId, algorithm: 'Ed25519', publicKey: signer.publicKey },
    ]);
    expect(keyring.verify('checkpoint/v1', bytes('tree head'), signature)).toBe(true);
    expect(audit.records).toMatchObject([{ keyId: 'checkpoint/v1', purpose: 'ledger.checkpoint' }]);
  });

  it('refuses keys that are not ECC_NIST_EDWARDS25519 signing keys', async () => {
    const kms = new FakeKms();
    const p256 = kms.addKey('ECC_NIST_P256');
    await expect(
      openKmsSigner({
        client: kms.client(),
        kmsKeyId: p256,
        keyId: 'x/v1',
        audit: new MemoryAuditSink(),
      }),
    ).rejects.toMatchObject({ code: 'BW_KMS_KEY_SPEC_UNSUPPORTED' });
  });

  it('refuses messages over the KMS RAW limit before calling KMS', async () => {
    const kms = new FakeKms();
    const signer = await openKmsSigner({
      client: kms.client(),
      kmsKeyId: kms.addKey(),
      keyId: 'x/v1',
      audit: new MemoryAuditSink(),
    });
    const before = kms.requests.length;
    await expect(signer.sign(new Uint8Array(KMS_MAX_RAW_MESSAGE_BYTES + 1))).rejects.toMatchObject({
      code: 'BW_KMS_MESSAGE_TOO_LARGE',
    });
    expect(kms.requests.length).toBe(before);
    await expect(signer.sign(new Uint8Array(KMS_MAX_RAW_MESSAGE_BYTES))).resolves.toHaveLength(64);
  });

  it('maps KMS errors to typed errors: NotFoundException and others', async () => {
    const kms = new FakeKms();
    const client = kms.client();
    const audit = new MemoryAuditSink();
    await expect(
      openKmsSigner({ client, kmsKeyId: 'alias/missing', keyId: 'x/v1', audit }),
    ).rejects.toBeInstanceOf(KeyNotFoundError);
    const signer = await openKmsSigner({ client, kmsKeyId: kms.addKey(), keyId: 'x/v1', audit });
    kms.keys.clear();
    await expect(signer.sign(bytes('x'))).rejects.toMatchObject({ code: 'BW_KEYS_NOT_FOUND' });
    expect(audit.records).toHaveLength(0);
  });

  it('creates, rotates and lists versions as aliases alias/<prefix>/<name>/v<N>, across pages', async () => {
    const kms = new FakeKms();
    const audit = new MemoryAuditSink();
    const provider = kmsKeyProvider({ client: kms.client(), audit, aliasPrefix: 'acme' });
    const created = await provider.create('checkpoint');
    expect(created.keyId).toBe('checkpoint/v1');
    const createKey = kms.requests.find((r) => r.target === 'TrentService.CreateKey');
    expect(createKey?.body).toMatchObject({
      KeySpec: 'ECC_NIST_EDWARDS25519',
      KeyUsage: 'SIGN_VERIFY',
      Tags: [{ TagKey: 'bulwark:key-id', TagValue: 'checkpoint/v1' }],
    });
    const v1 = await provider.open('checkpoint');
    const oldSignature = await v1.sign(bytes('old'));
    await provider.rotate('checkpoint');
    await provider.rotate('checkpoint');
    await provider.create('device');
    kms.aliases.set('alias/other/thing', { target: kms.addKey(), created: 0 });

    expect([...kms.aliases.keys()]).toContain('alias/acme/checkpoint/v3');
    const listed = await provider.list();
    expect(listed.map((v) => v.keyId)).toEqual([
      'checkpoint/v1',
      'checkpoint/v2',
      'checkpoint/v3',
      'device/v1',
    ]);
    const current = await provider.open('checkpoint');
    expect(current.keyId).toBe('checkpoint/v3');
    expect(kms.requests.filter((r) => r.target === 'TrentService.Sign').at(-1)).toBeDefined();

    const keyring = new PublicKeyring(listed);
    expect(keyring.verify('checkpoint/v1', bytes('old'), oldSignature)).toBe(true);
    expect(keyring.verify('checkpoint/v3', bytes('new'), await current.sign(bytes('new')))).toBe(
      true,
    );
    expect(audit.records.map((r) => r.keyId)).toEqual(['checkpoint/v1', 'checkpoint/v3']);

    await expect(provider.create('checkpoint')).rejects.toBeInstanceOf(KeyExistsError);
    await expect(provider.rotate('missing')).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(provider.open('checkpoint', { version: 9 })).rejects.toBeInstanceOf(
      KeyNotFoundError,
    );
  });

  it('a transport failure is BW_KMS_REQUEST_FAILED and carries no credentials', async () => {
    const client = new KMSClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDCONTRACTTEST', secretAccessKey: 'contract-test-secret' },
      maxAttempts: 1,
      requestHandler: { handle: () => Promise.reject(new Error('connect ECONNREFUSED')) },
    });
    const error = await openKmsSigner({
      client,
      kmsKeyId: 'k',
      keyId: 'x/v1',
      audit: new MemoryAuditSink(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BW_KMS_REQUEST_FAILED' });
    expect((error as Error).message).not.toContain('contract-test-secret');
  });
});
