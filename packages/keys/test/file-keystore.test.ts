import { createPublicKey, verify } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FileKeysRefusedInProductionError,
  InsecurePermissionsError,
  InvalidKeyNameError,
  KeyExistsError,
  KeyNotFoundError,
  keyringOf,
  MemoryAuditSink,
  openFileKeyProvider,
  ProviderClosedError,
} from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const dirs: string[] = [];

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-keys-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;
const audit = () => new MemoryAuditSink();

describe('file keystore', () => {
  it('creates the keystore 0700 and each key file 0600 as a PKCS#8 PEM Ed25519 key', async () => {
    const dir = join(tempDir(), 'keys');
    const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
    const created = await provider.create('checkpoint');
    expect(created.keyId).toBe('checkpoint/v1');
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'checkpoint'))).toBe(0o700);
    const file = join(dir, 'checkpoint', 'v1.pem');
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // No temp files are left behind by the write-then-link sequence.
    expect(readdirSync(join(dir, 'checkpoint'))).toEqual(['v1.pem']);
  });

  it('keeps 0600 even under a permissive umask', async () => {
    const previous = process.umask(0);
    try {
      const dir = join(tempDir(), 'keys');
      const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
      await provider.create('device');
      expect(mode(join(dir, 'device', 'v1.pem'))).toBe(0o600);
      expect(mode(dir)).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it('signs with Ed25519 that node:crypto verifies against the listed public key', async () => {
    const provider = await openFileKeyProvider({ dir: tempDir(), audit: audit(), env: {} });
    await provider.create('device');
    const signer = await provider.open('device');
    const signature = await signer.sign(bytes('hello'));
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(signer.publicKey).toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, bytes('hello'), key, signature)).toBe(true);
    const [listed] = await provider.versions('device');
    expect(Buffer.compare(listed!.publicKey, signer.publicKey)).toBe(0);
  });

  it('refuses a group- or world-readable key file on open, list and sign setup', async () => {
    const dir = tempDir();
    const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
    await provider.create('device');
    const file = join(dir, 'device', 'v1.pem');
    for (const loose of [0o640, 0o604, 0o644]) {
      chmodSync(file, loose);
      await expect(provider.open('device')).rejects.toBeInstanceOf(InsecurePermissionsError);
      await expect(provider.list()).rejects.toMatchObject({
        code: 'BW_KEYS_INSECURE_PERMISSIONS',
        message: expect.stringContaining(`0${loose.toString(8)}`),
      });
    }
    chmodSync(file, 0o600);
    await expect(provider.open('device')).resolves.toBeDefined();
  });

  it('refuses a group- or world-accessible keystore directory', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    await expect(openFileKeyProvider({ dir, audit: audit(), env: {} })).rejects.toMatchObject({
      code: 'BW_KEYS_INSECURE_PERMISSIONS',
    });
    chmodSync(dir, 0o700);
    const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
    await provider.create('device');
    chmodSync(join(dir, 'device'), 0o750);
    await expect(provider.open('device')).rejects.toBeInstanceOf(InsecurePermissionsError);
  });

  it('refuses a key file that is a symlink', async () => {
    const dir = tempDir();
    const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
    await provider.create('device');
    const elsewhere = join(tempDir(), 'other.pem');
    writeFileSync(elsewhere, readFileSync(join(dir, 'device', 'v1.pem')), { mode: 0o600 });
    rmSync(join(dir, 'device', 'v1.pem'));
    symlinkSync(elsewhere, join(dir, 'device', 'v1.pem'));
    await expect(provider.open('device')).rejects.toMatchObject({ code: 'BW_KEYS_CORRUPT' });
  });

  it('reports a key file that is not a PEM key as BW_KEYS_CORRUPT', async () => {
    const dir = tempDir();
    const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
    await provider.create('device');
    writeFileSync(join(dir, 'device', 'v1.pem'), 'not a key', { mode: 0o600 });
    await expect(provider.open('device')).rejects.toMatchObject({ code: 'BW_KEYS_CORRUPT' });
  });

  it('is refused when NODE_ENV=production unless explicitly allowed', async () => {
    const dir = tempDir();
    const refused = openFileKeyProvider({ dir, audit: audit(), env: { NODE_ENV: 'production' } });
    await expect(refused).rejects.toBeInstanceOf(FileKeysRefusedInProductionError);
    await expect(refused).rejects.toMatchObject({ code: 'BW_KEYS_FILE_REFUSED_IN_PRODUCTION' });
    // Anything but exactly "1" is not an opt-in.
    await expect(
      openFileKeyProvider({
        dir,
        audit: audit(),
        env: { NODE_ENV: 'production', BULWARK_ALLOW_FILE_KEYS: 'true' },
      }),
    ).rejects.toBeInstanceOf(FileKeysRefusedInProductionError);
    await expect(
      openFileKeyProvider({
        dir,
        audit: audit(),
        env: { NODE_ENV: 'production', BULWARK_ALLOW_FILE_KEYS: '1' },
      }),
    ).resolves.toMatchObject({ kind: 'file' });
    await expect(
      openFileKeyProvider({
        dir,
        audit: audit(),
        env: { NODE_ENV: 'production' },
        allowInProduction: true,
      }),
    ).resolves.toMatchObject({ kind: 'file' });
    await expect(
      openFileKeyProvider({ dir, audit: audit(), env: { NODE_ENV: 'development' } }),
    ).resolves.toBeDefined();
  });

  it('reads NODE_ENV from process.env by default', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(openFileKeyProvider({ dir: tempDir(), audit: audit() })).rejects.toBeInstanceOf(
        FileKeysRefusedInProductionError,
      );
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('rotates to the next version and keeps every version in the keyring', async () => {
    const provider = await openFileKeyProvider({ dir: tempDir(), audit: audit(), env: {} });
    await provider.create('checkpoint');
    const v1 = await provider.open('checkpoint');
    const first = await v1.sign(bytes('one'));
    for (const expected of ['checkpoint/v2', 'checkpoint/v3']) {
      expect((await provider.rotate('checkpoint')).keyId).toBe(expected);
    }
    const current = await provider.open('checkpoint');
    expect(current.keyId).toBe('checkpoint/v3');
    const latest = await current.sign(bytes('three'));
    const keyring = await keyringOf(provider);
    expect(keyring.entries().map((e) => e.keyId)).toEqual([
      'checkpoint/v1',
      'checkpoint/v2',
      'checkpoint/v3',
    ]);
    expect(keyring.verify('checkpoint/v1', bytes('one'), first)).toBe(true);
    expect(keyring.verify('checkpoint/v3', bytes('three'), latest)).toBe(true);
    expect(keyring.verify('checkpoint/v3', bytes('one'), first)).toBe(false);
  });

  it('lists every key sorted by name then version (v10 after v9), skipping foreign entries', async () => {
    const dir = tempDir();
    const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
    await provider.create('zeta');
    await provider.create('alpha');
    mkdirSync(join(dir, 'Not A Key'), { mode: 0o700 });
    writeFileSync(join(dir, 'README'), 'notes', { mode: 0o600 });
    for (let i = 0; i < 9; i += 1) await provider.rotate('alpha');
    const ids = (await provider.list()).map((v) => v.keyId);
    expect(ids.slice(-3)).toEqual(['alpha/v9', 'alpha/v10', 'zeta/v1']);
    expect((await provider.open('alpha')).keyId).toBe('alpha/v10');
  });

  it('gives typed errors for duplicates, missing keys, bad names and a closed provider', async () => {
    const provider = await openFileKeyProvider({ dir: tempDir(), audit: audit(), env: {} });
    await provider.create('device');
    await expect(provider.create('device')).rejects.toBeInstanceOf(KeyExistsError);
    await expect(provider.rotate('missing')).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(provider.versions('missing')).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(provider.open('device', { version: 2 })).rejects.toMatchObject({
      code: 'BW_KEYS_NOT_FOUND',
      message: expect.stringContaining('device/v2'),
    });
    for (const bad of ['', '../etc', 'a/b', 'UPPER', '.hidden', 'x'.repeat(65), 'a..b']) {
      await expect(provider.create(bad)).rejects.toBeInstanceOf(InvalidKeyNameError);
    }
    const signer = await provider.open('device');
    await provider.close();
    await expect(signer.sign(bytes('late'))).rejects.toBeInstanceOf(ProviderClosedError);
    await expect(provider.list()).rejects.toBeInstanceOf(ProviderClosedError);
  });

  it('concurrent rotations never give two keys the same version', async () => {
    const dir = tempDir();
    const provider = await openFileKeyProvider({ dir, audit: audit(), env: {} });
    await provider.create('device');
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => provider.rotate('device')));
    const made = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.keyId);
    expect(new Set(made).size).toBe(made.length);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'BW_KEYS_EXISTS' });
    }
    const files = readdirSync(join(dir, 'device')).sort();
    expect(files).toHaveLength(1 + made.length);
  });
});
