import { type AuditSink, auditedSigner } from '../../audit.js';
import { KeyExistsError, KeyNotFoundError, KeysError, type Pkcs11KeysError } from '../../errors.js';
import { assertKeyName, formatKeyId, parseKeyId, tryParseKeyId } from '../../key-id.js';
import {
  type KeyProvider,
  type KeyVersionInfo,
  type OpenSignerOptions,
  sortVersions,
} from '../../provider.js';
import type { Signer } from '../../signer.js';
import {
  CKK_EC_EDWARDS,
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  CKM_EDDSA,
  ED25519_EC_PARAMS,
  ED25519_EC_PARAMS_NAMED,
  ed25519PointFromEcPoint,
  type Handle,
  pkcs11Api,
} from './cryptoki.js';
import { TokenSession } from './session.js';

export interface Pkcs11KeyProviderOptions {
  /** Path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly module: string;
  /** The token's label (as given to softhsm2-util --init-token --label). */
  readonly tokenLabel: string;
  /** The user PIN. Used for C_Login and not kept; pass it from a secret, never from argv. */
  readonly pin: string;
  readonly audit: AuditSink;
}

/** Security attributes of a private key object, as the token reports them. */
export interface Pkcs11PrivateKeyAttributes {
  readonly token: boolean;
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly alwaysSensitive: boolean;
  readonly neverExtractable: boolean;
  /** Usage flags: a Bulwark key may sign and do nothing else. */
  readonly sign: boolean;
  readonly decrypt: boolean;
  readonly unwrap: boolean;
  readonly derive: boolean;
}

export interface Pkcs11KeyProvider extends KeyProvider {
  readonly kind: 'pkcs11';
  /** Reads the protection attributes of a version's private key (never its value). */
  privateKeyAttributes(keyId: string): Promise<Pkcs11PrivateKeyAttributes>;
}

/**
 * Opens a read-write session on the token labelled `tokenLabel` and logs in as the user. The
 * session and login last until close(). Keys are generated inside the token (sensitive,
 * non-extractable, persistent, sign-only) and every signature is a C_Sign with CKM_EDDSA.
 */
export async function openPkcs11KeyProvider(
  options: Pkcs11KeyProviderOptions,
): Promise<Pkcs11KeyProvider> {
  return new Pkcs11Provider(TokenSession.open(options), options.audit);
}

// pkcs11js passes a null data pointer for an empty Buffer, which tokens reject as
// CKR_ARGUMENTS_BAD; a zero-length view of a real allocation signs the empty message correctly.
const EMPTY_INPUT = Buffer.alloc(1).subarray(0, 0);

function signInput(data: Uint8Array): Buffer {
  return data.byteLength === 0
    ? EMPTY_INPUT
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** CKR values with which a token says it wants Ed25519's CKA_EC_PARAMS in the other form. */
const CURVE_REJECTED = new Set([
  'CKR_CURVE_NOT_SUPPORTED',
  'CKR_DOMAIN_PARAMS_INVALID',
  'CKR_ATTRIBUTE_VALUE_INVALID',
  'CKR_TEMPLATE_INCONSISTENT',
]);

class Pkcs11Provider implements Pkcs11KeyProvider {
  readonly kind = 'pkcs11';
  readonly #session: TokenSession;
  readonly #audit: AuditSink;

  constructor(session: TokenSession, audit: AuditSink) {
    this.#session = session;
    this.#audit = audit;
  }

  get #where() {
    return `PKCS#11 token ${this.#session.tokenLabel}`;
  }

  async create(name: string): Promise<KeyVersionInfo> {
    const existing = this.#versionsOf(assertKeyName(name));
    if (existing.length > 0) throw new KeyExistsError(name, this.#where);
    return this.#generate(name, 1);
  }

  async rotate(name: string): Promise<KeyVersionInfo> {
    const existing = this.#versionsOf(assertKeyName(name));
    const newest = existing.at(-1);
    if (!newest) throw new KeyNotFoundError(name, this.#where);
    return this.#generate(name, newest.version + 1);
  }

  async versions(name: string): Promise<KeyVersionInfo[]> {
    const versions = this.#versionsOf(assertKeyName(name));
    if (versions.length === 0) throw new KeyNotFoundError(name, this.#where);
    return versions;
  }

  async list(): Promise<KeyVersionInfo[]> {
    return sortVersions(this.#publicKeys());
  }

  async open(name: string, options: OpenSignerOptions = {}): Promise<Signer> {
    const versions = this.#versionsOf(assertKeyName(name));
    const info =
      options.version === undefined
        ? versions.at(-1)
        : versions.find((v) => v.version === options.version);
    if (!info) {
      const id = options.version === undefined ? name : formatKeyId(name, options.version);
      throw new KeyNotFoundError(id, this.#where);
    }
    const privateKey = this.#privateKeyHandle(info.keyId);
    const signer: Signer = {
      keyId: info.keyId,
      algorithm: 'Ed25519',
      publicKey: info.publicKey,
      sign: async (data) => this.#sign(privateKey, info.keyId, data),
    };
    return auditedSigner(signer, this.#audit);
  }

  async privateKeyAttributes(keyId: string): Promise<Pkcs11PrivateKeyAttributes> {
    parseKeyId(keyId);
    const api = pkcs11Api();
    const handle = this.#privateKeyHandle(keyId);
    const flags = {
      token: api.CKA_TOKEN,
      sensitive: api.CKA_SENSITIVE,
      extractable: api.CKA_EXTRACTABLE,
      alwaysSensitive: api.CKA_ALWAYS_SENSITIVE,
      neverExtractable: api.CKA_NEVER_EXTRACTABLE,
      sign: api.CKA_SIGN,
      decrypt: api.CKA_DECRYPT,
      unwrap: api.CKA_UNWRAP,
      derive: api.CKA_DERIVE,
    };
    const names = Object.keys(flags) as Array<keyof typeof flags>;
    const values = this.#session.call('C_GetAttributeValue', (p, s) =>
      p.C_GetAttributeValue(
        s,
        handle,
        names.map((name) => ({ type: flags[name] })),
      ),
    );
    return Object.fromEntries(
      names.map((name, i) => [name, (values[i]?.value[0] ?? 0) !== 0]),
    ) as unknown as Pkcs11PrivateKeyAttributes;
  }

  /** Logs out (when this is the token's last session here), closes the session, releases the module. */
  async close(): Promise<void> {
    this.#session.close();
  }

  #sign(privateKey: Handle, keyId: string, data: Uint8Array): Uint8Array {
    // C_SignInit and C_Sign run back to back on the JS thread, so concurrent sign() calls can
    // never interleave two operations on the one session.
    try {
      return this.#session.call(`C_Sign with ${keyId}`, (p, s) => {
        p.C_SignInit(s, { mechanism: CKM_EDDSA }, privateKey);
        return new Uint8Array(p.C_Sign(s, signInput(data), Buffer.alloc(64)));
      });
    } catch (error) {
      this.#session.replace();
      throw error;
    }
  }

  #generate(name: string, version: number): KeyVersionInfo {
    const api = pkcs11Api();
    const keyId = formatKeyId(name, version);
    const id = Buffer.from(keyId, 'utf8');
    const common = [
      { type: api.CKA_TOKEN, value: true },
      { type: api.CKA_LABEL, value: keyId },
      { type: api.CKA_ID, value: id },
      { type: api.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      // CK_DATE is 8 ASCII digits, YYYYMMDD (pkcs11js 2.1 rejects Date values despite its types).
      {
        type: api.CKA_START_DATE,
        value: Buffer.from(new Date().toISOString().slice(0, 10).replaceAll('-', ''), 'ascii'),
      },
    ];
    const generate = (ecParams: Buffer) =>
      this.#session.call(`C_GenerateKeyPair for ${keyId}`, (p, s) =>
        p.C_GenerateKeyPair(
          s,
          { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
          [
            ...common,
            { type: api.CKA_PRIVATE, value: false },
            { type: api.CKA_VERIFY, value: true },
            { type: api.CKA_ENCRYPT, value: false },
            { type: api.CKA_WRAP, value: false },
            { type: api.CKA_DERIVE, value: false },
            { type: api.CKA_EC_PARAMS, value: ecParams },
          ],
          [
            ...common,
            { type: api.CKA_PRIVATE, value: true },
            { type: api.CKA_SIGN, value: true },
            // Tokens may default these to true; a signing key should be able to do nothing else.
            { type: api.CKA_DECRYPT, value: false },
            { type: api.CKA_UNWRAP, value: false },
            { type: api.CKA_DERIVE, value: false },
            { type: api.CKA_SENSITIVE, value: true },
            { type: api.CKA_EXTRACTABLE, value: false },
          ],
        ),
      );
    let keys: ReturnType<typeof generate>;
    try {
      keys = generate(ED25519_EC_PARAMS);
    } catch (error) {
      // PKCS#11 3.0 allows the curve as an OID or as the printable string "edwards25519";
      // some tokens accept only the latter.
      if (!CURVE_REJECTED.has((error as Pkcs11KeysError).ckr ?? '')) throw error;
      keys = generate(ED25519_EC_PARAMS_NAMED);
    }
    // Two processes rotating at once could both pick this version; keep the first and undo ours.
    if (this.#find(api.CKO_PRIVATE_KEY, keyId).length > 1) {
      this.#session.call('C_DestroyObject', (p, s) => {
        p.C_DestroyObject(s, keys.privateKey);
        p.C_DestroyObject(s, keys.publicKey);
      });
      throw new KeysError(
        'BW_KEYS_EXISTS',
        `${keyId} was created concurrently; retry the rotation`,
      );
    }
    return this.#describePublicKey(keys.publicKey);
  }

  #versionsOf(name: string): KeyVersionInfo[] {
    return this.#publicKeys()
      .filter((info) => info.name === name)
      .sort((a, b) => a.version - b.version);
  }

  /** Every Ed25519 public key on the token whose label is a Bulwark key id. */
  #publicKeys(): KeyVersionInfo[] {
    return this.#find(pkcs11Api().CKO_PUBLIC_KEY)
      .filter((handle) => tryParseKeyId(this.#label(handle)) !== undefined)
      .map((handle) => this.#describePublicKey(handle));
  }

  #describePublicKey(handle: Handle): KeyVersionInfo {
    const api = pkcs11Api();
    const [label, point, start] = this.#session.call('C_GetAttributeValue', (p, s) =>
      p.C_GetAttributeValue(s, handle, [
        { type: api.CKA_LABEL },
        { type: api.CKA_EC_POINT },
        { type: api.CKA_START_DATE },
      ]),
    );
    const keyId = label!.value.toString('utf8');
    const { name, version } = parseKeyId(keyId);
    const date = start?.value.toString('ascii') ?? '';
    return {
      keyId,
      name,
      version,
      algorithm: 'Ed25519',
      publicKey: ed25519PointFromEcPoint(point!.value),
      ...(/^\d{8}$/.test(date)
        ? { createdAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` }
        : {}),
    };
  }

  #privateKeyHandle(keyId: string): Handle {
    const [handle] = this.#find(pkcs11Api().CKO_PRIVATE_KEY, keyId);
    if (!handle) throw new KeyNotFoundError(`${keyId} (private key)`, this.#where);
    return handle;
  }

  #label(handle: Handle): string {
    const [label] = this.#session.call('C_GetAttributeValue', (p, s) =>
      p.C_GetAttributeValue(s, handle, [{ type: pkcs11Api().CKA_LABEL }]),
    );
    return label!.value.toString('utf8');
  }

  #find(objectClass: number, label?: string): Handle[] {
    const api = pkcs11Api();
    const template = [
      { type: api.CKA_CLASS, value: objectClass },
      { type: api.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      ...(label === undefined ? [] : [{ type: api.CKA_LABEL, value: label }]),
    ];
    return this.#session.call('C_FindObjects', (p, s) => {
      p.C_FindObjectsInit(s, template);
      try {
        const found: Handle[] = [];
        for (;;) {
          const batch = p.C_FindObjects(s, 64);
          if (batch.length === 0) return found;
          found.push(...batch);
        }
      } finally {
        p.C_FindObjectsFinal(s);
      }
    });
  }
}
