import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuditSink, auditedSigner } from '../audit.js';
import { rawPublicKey } from '../ed25519.js';
import {
  FileKeysRefusedInProductionError,
  InsecurePermissionsError,
  KeyExistsError,
  KeyNotFoundError,
  KeysConfigError,
  KeysError,
  KeystoreCorruptError,
  ProviderClosedError,
} from '../errors.js';
import { assertKeyName, formatKeyId, isKeyName } from '../key-id.js';
import {
  type KeyProvider,
  type KeyVersionInfo,
  type OpenSignerOptions,
  sortVersions,
} from '../provider.js';
import type { Signer } from '../signer.js';

export interface FileKeyProviderOptions {
  /** The keystore directory; the first key created creates it, mode 0700. Reading never creates it. */
  readonly dir: string;
  readonly audit: AuditSink;
  /**
   * Allow the file keystore when NODE_ENV=production. Also enabled by BULWARK_ALLOW_FILE_KEYS=1.
   * Private keys on disk are a development convenience, so this must be a deliberate choice.
   */
  readonly allowInProduction?: boolean;
  /** The environment to read NODE_ENV and BULWARK_ALLOW_FILE_KEYS from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
}

const VERSION_FILE = /^v([1-9][0-9]{0,8})\.pem$/;
const OWNER_ONLY = 0o077;

/**
 * Development keystore: `<dir>/<name>/v<N>.pem`, one PKCS#8 PEM Ed25519 private key per version.
 * Directories are 0700 and key files 0600, owned by this user; anything looser is refused on
 * open rather than silently tightened, because a looser mode means the key may already be read.
 */
export async function openFileKeyProvider(options: FileKeyProviderOptions): Promise<KeyProvider> {
  const env = options.env ?? process.env;
  if (
    env.NODE_ENV === 'production' &&
    options.allowInProduction !== true &&
    env.BULWARK_ALLOW_FILE_KEYS !== '1'
  ) {
    throw new FileKeysRefusedInProductionError();
  }
  // Opening is not writing: a missing keystore is created by the first key, never here, so that
  // listing a mistyped directory fails instead of leaving an empty keystore behind.
  if (await exists(options.dir)) await assertPrivate(options.dir, 'directory');
  return new FileKeyProvider(options.dir, options.audit);
}

class FileKeyProvider implements KeyProvider {
  readonly kind = 'file';
  readonly #dir: string;
  readonly #audit: AuditSink;
  #closed = false;

  constructor(dir: string, audit: AuditSink) {
    this.#dir = dir;
    this.#audit = audit;
  }

  async create(name: string): Promise<KeyVersionInfo> {
    this.#assertOpen();
    const existing = await this.#versionNumbers(assertKeyName(name));
    if (existing.length > 0) throw new KeyExistsError(name, this.#dir);
    return this.#write(name, 1);
  }

  async rotate(name: string): Promise<KeyVersionInfo> {
    this.#assertOpen();
    const existing = await this.#versionNumbers(assertKeyName(name));
    if (existing.length === 0) throw await this.#notFound(name);
    return this.#write(name, Math.max(...existing) + 1);
  }

  async versions(name: string): Promise<KeyVersionInfo[]> {
    this.#assertOpen();
    const numbers = await this.#versionNumbers(assertKeyName(name));
    if (numbers.length === 0) throw await this.#notFound(name);
    return Promise.all(numbers.map(async (version) => (await this.#read(name, version)).info));
  }

  async list(): Promise<KeyVersionInfo[]> {
    this.#assertOpen();
    let entries: Dirent[];
    try {
      entries = await readdir(this.#dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new KeysConfigError(
        `file keystore directory ${this.#dir} does not exist (creating a key creates it)`,
      );
    }
    const all: KeyVersionInfo[] = [];
    for (const entry of entries) {
      // Anything that is not a key directory (editor files, a README) is not ours to list.
      if (!entry.isDirectory() || !isKeyName(entry.name)) continue;
      const numbers = await this.#versionNumbers(entry.name);
      for (const version of numbers) all.push((await this.#read(entry.name, version)).info);
    }
    return sortVersions(all);
  }

  async open(name: string, options: OpenSignerOptions = {}): Promise<Signer> {
    this.#assertOpen();
    const numbers = await this.#versionNumbers(assertKeyName(name));
    const version = options.version ?? Math.max(0, ...numbers);
    if (!numbers.includes(version)) {
      throw await this.#notFound(version ? formatKeyId(name, version) : name);
    }
    const { info, privateKey } = await this.#read(name, version);
    const signer: Signer = {
      keyId: info.keyId,
      algorithm: 'Ed25519',
      publicKey: info.publicKey,
      sign: async (data) => {
        this.#assertOpen();
        return new Uint8Array(sign(null, data, privateKey));
      },
    };
    return auditedSigner(signer, this.#audit);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen() {
    if (this.#closed) throw new ProviderClosedError('file');
  }

  /** Says so when the whole keystore is missing, not just the key (a mistyped --dir, say). */
  async #notFound(keyIdOrName: string): Promise<KeyNotFoundError> {
    const where = (await exists(this.#dir))
      ? this.#dir
      : `${this.#dir}: the keystore directory does not exist`;
    return new KeyNotFoundError(keyIdOrName, where);
  }

  async #versionNumbers(name: string): Promise<number[]> {
    const keyDir = join(this.#dir, name);
    let files: string[];
    try {
      files = await readdir(keyDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    await assertPrivate(keyDir, 'directory');
    return files
      .map((file) => VERSION_FILE.exec(file)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async #read(
    name: string,
    version: number,
  ): Promise<{ info: KeyVersionInfo; privateKey: KeyObject }> {
    const path = join(this.#dir, name, `v${version}.pem`);
    const stats = await assertPrivate(path, 'file');
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(await readFile(path, 'utf8'));
    } catch (error) {
      throw new KeystoreCorruptError(`${path} is not a PEM private key`, { cause: error });
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new KeystoreCorruptError(
        `${path} holds a ${privateKey.asymmetricKeyType} key, not Ed25519`,
      );
    }
    return {
      privateKey,
      info: {
        keyId: formatKeyId(name, version),
        name,
        version,
        algorithm: 'Ed25519',
        publicKey: rawPublicKey(privateKey),
        createdAt: stats.mtime.toISOString(),
      },
    };
  }

  /**
   * Writes a new version without ever exposing a partial or world-readable file: the PEM goes to
   * a 0600 temp file, is fsynced, then hard-linked into place. link() fails if the version
   * exists, so two concurrent rotations cannot both claim the same version.
   */
  async #write(name: string, version: number): Promise<KeyVersionInfo> {
    const keyDir = join(this.#dir, name);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await assertPrivate(this.#dir, 'directory');
    await mkdir(keyDir, { recursive: true, mode: 0o700 });
    await assertPrivate(keyDir, 'directory');
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
    const final = join(keyDir, `v${version}.pem`);
    const temp = join(keyDir, `.v${version}.${randomBytes(8).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(pem, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, final);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new KeysError(
          'BW_KEYS_EXISTS',
          `${formatKeyId(name, version)} was created concurrently; retry the rotation`,
        );
      }
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    return (await this.#read(name, version)).info;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Refuses anything group/world-accessible, not owned by us, or a symlink (which could redirect). */
async function assertPrivate(path: string, kind: 'file' | 'directory'): Promise<Stats> {
  const stats = await lstat(path);
  const isRightKind = kind === 'file' ? stats.isFile() : stats.isDirectory();
  if (!isRightKind) {
    throw new KeystoreCorruptError(`${path} must be a regular ${kind}, not a link or other type`);
  }
  const expected = kind === 'file' ? 'key files must be 0600' : 'keystore directories must be 0700';
  if ((stats.mode & OWNER_ONLY) !== 0) {
    throw new InsecurePermissionsError(
      path,
      stats.mode,
      `${expected} (run chmod ${kind === 'file' ? '600' : '700'} ${path})`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new InsecurePermissionsError(
      path,
      stats.mode,
      `it is owned by uid ${stats.uid}, not this user (${uid})`,
    );
  }
  return stats;
}
