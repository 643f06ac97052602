import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretNotFoundError, SecretProviderError } from '../src/secrets/secret-errors.js';
import { SecretStore } from '../src/secrets/secret-store.js';
import { VaultSecretProvider } from '../src/secrets/vault-provider.js';
import { type FakeVault, startFakeVault } from './secrets-fixtures/fake-vault.js';
import { secretsConfig } from './secrets-fixtures/store-config.js';

/*
 * Contract tests: Vault cannot run here, so a local server speaks the KV v2 wire shape
 * (fake-vault.ts) and the tests assert both the requests the provider sends and what it makes
 * of each documented answer.
 */

const TOKEN = 'hvs.CAESIcontract-token-one';
const ROTATED_TOKEN = 'hvs.CAESIcontract-token-two';
let vault: FakeVault;
let scratch: string;
let tokenFile: string;
let closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  vault = await startFakeVault(TOKEN);
  scratch = await mkdtemp(join(tmpdir(), 'bw-vault-'));
  tokenFile = join(scratch, 'token');
  await writeFile(tokenFile, `${TOKEN}\n`);
});

afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
  await vault.close();
  await rm(scratch, { recursive: true, force: true });
});

function provider(overrides: { mount?: string; namespace?: string } = {}) {
  const made = new VaultSecretProvider({
    url: `${vault.url}/`,
    mount: 'secret',
    tokenFile,
    ...overrides,
  });
  closers.push(() => made.close());
  return made;
}

function store(cacheTtlMs = 60_000, logger?: { warn: (...args: unknown[]) => void }) {
  const made = new SecretStore(
    secretsConfig({ vault: { url: vault.url, mount: 'secret', tokenFile }, cacheTtlMs }),
    { environment: 'test', ...(logger ? { logger } : {}) },
  );
  closers.push(() => made.close());
  return made;
}

describe('Vault KV v2 provider (contract)', () => {
  it('GETs /v1/<mount>/data/<name> with the token from the file, and reads the value field', async () => {
    vault.put('secret', 'openai', { value: 'sk-from-vault-123' });
    expect(await provider().read('openai')).toBe('sk-from-vault-123');
    expect(vault.requests).toHaveLength(1);
    const [request] = vault.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v1/secret/data/openai');
    expect(request?.headers['x-vault-token']).toBe(TOKEN);
    expect(request?.headers['x-vault-namespace']).toBeUndefined();
    expect(request?.body).toBe('');
  });

  it('reads a #field, nested names and another mount, and sends X-Vault-Namespace', async () => {
    vault.put('kv/apps', 'team/db', { user: 'app', password: 'pw-from-vault-456', port: 5432 });
    const kv = provider({ mount: 'kv/apps', namespace: 'team-a' });
    expect(await kv.read('team/db', 'password')).toBe('pw-from-vault-456');
    expect(await kv.read('team/db', 'port')).toBe('5432');
    expect(await kv.read('team/db', 'missing')).toBeUndefined();
    expect(vault.requests[0]?.path).toBe('/v1/kv/apps/data/team/db');
    expect(vault.requests[0]?.headers['x-vault-namespace']).toBe('team-a');
  });

  it('treats 404 as "not here", so the store reports the secret not found', async () => {
    const error = await store()
      .get(`\${secret:absent}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toBe(
      `secret "absent" was not found (asked: vault ${vault.url})`,
    );
  });

  it('re-reads the token file when Vault answers 403 (token rotation), then retries once', async () => {
    vault.put('secret', 'openai', { value: 'sk-from-vault-123' });
    const vaultProvider = provider();
    expect(await vaultProvider.read('openai')).toBe('sk-from-vault-123');
    // The agent renews the token: Vault accepts only the new one, the file holds the new one.
    vault.validToken = ROTATED_TOKEN;
    await writeFile(tokenFile, ROTATED_TOKEN);
    expect(await vaultProvider.read('openai')).toBe('sk-from-vault-123');
    expect(vault.requests.map((r) => r.headers['x-vault-token'])).toEqual([
      TOKEN,
      TOKEN,
      ROTATED_TOKEN,
    ]);
    // The new token is kept: no file read, no 403 on the next request.
    expect(await vaultProvider.read('openai')).toBe('sk-from-vault-123');
    expect(vault.requests.at(-1)?.headers['x-vault-token']).toBe(ROTATED_TOKEN);
    expect(vault.requests).toHaveLength(4);
  });

  it('a refused token and an outage are typed errors naming provider and secret, never the token', async () => {
    vault.put('secret', 'openai', { value: 'sk-from-vault-123' });
    vault.validToken = 'a-token-we-do-not-have';
    const denied = await provider()
      .read('openai')
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(SecretProviderError);
    expect((denied as SecretProviderError).code).toBe('BW_SECRET_PROVIDER_FAILED');
    expect((denied as Error).message).toBe(
      `vault ${vault.url}/ could not read secret "openai": permission denied (403), also with the token read again from its file`,
    );
    vault.failWith = 503;
    const down = await provider()
      .read('openai')
      .catch((e: unknown) => e);
    expect((down as Error).message).toContain('Vault answered 503');
    for (const error of [denied, down] as Error[]) {
      const everything = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
      expect(everything).not.toContain(TOKEN);
      expect(everything).not.toContain('sk-from-vault-123');
      expect(error.cause).toBeUndefined();
    }
  });

  it('an unreachable Vault is a typed error; a value read before stays in use', async () => {
    vault.put('secret', 'openai', { value: 'sk-from-vault-123' });
    const warn = vi.fn();
    const secrets = store(50, { warn });
    expect(await secrets.get('openai')).toBe('sk-from-vault-123');
    await vault.close();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await secrets.get('openai')).toBe('sk-from-vault-123');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('sk-from-vault-123');
    const never = await secrets.get('other').catch((e: unknown) => e);
    expect(never).toBeInstanceOf(SecretProviderError);
    expect((never as Error).message).toMatch(/could not read secret "other": the request failed/);
    expect(JSON.stringify(never)).not.toContain(TOKEN);
    vault = await startFakeVault(TOKEN); // for afterEach
  });

  it('fires rotation callbacks when a new version is written', async () => {
    vault.put('secret', 'openai', { value: 'sk-version-one' });
    const secrets = store(50);
    const seen: string[] = [];
    secrets.onRotation(`\${secret:openai}`, (value) => {
      seen.push(value);
    });
    await vi.waitFor(() => expect(vault.requests.length).toBeGreaterThanOrEqual(3));
    expect(seen).toEqual([]);
    vault.put('secret', 'openai', { value: 'sk-version-two' });
    await vi.waitFor(() => expect(seen).toEqual(['sk-version-two']), { timeout: 5_000 });
  });

  it('a missing token file is a typed error naming the file', async () => {
    await rm(tokenFile);
    const error = await provider()
      .read('openai')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretProviderError);
    expect((error as Error).message).toContain(`the token file ${tokenFile} could not be read`);
    expect(vault.requests).toHaveLength(0);
  });
});
