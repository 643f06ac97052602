import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DirectorySecretProvider } from '../src/secrets/directory-provider.js';
import { SecretNotFoundError } from '../src/secrets/secret-errors.js';
import { SecretStore } from '../src/secrets/secret-store.js';
import { countingProvider } from './secrets-fixtures/counting-provider.js';
import { makeSecretDir, type SecretDir } from './secrets-fixtures/secret-dir.js';
import { secretsConfig } from './secrets-fixtures/store-config.js';

let files: SecretDir;
let store: SecretStore | undefined;

beforeEach(async () => {
  files = await makeSecretDir();
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await files.remove();
});

/** A store over the real directory with a short TTL, its reads counted. */
function directoryStore(cacheTtlMs = 60) {
  const provider = countingProvider(new DirectorySecretProvider(files.dir));
  const warnings: unknown[] = [];
  store = new SecretStore(secretsConfig({ dir: files.dir, cacheTtlMs }), {
    environment: 'test',
    providers: [provider],
    logger: { warn: (...args: unknown[]) => warnings.push(args) },
  });
  return { store, provider, warnings };
}

describe('secrets from a directory of files', () => {
  it('reads <dir>/<name> without the trailing newline, through the configured provider', async () => {
    await files.write('openai', 'sk-live-0123456789\n');
    await files.write('windows', 'crlf-value-123\r\n');
    await files.write('team/db-url', 'postgres://app@db/app');
    store = new SecretStore(secretsConfig({ dir: files.dir }), { environment: 'test' });
    expect(store.providers).toEqual([`directory ${files.dir}`]);
    expect(await store.get(`\${secret:openai}`)).toBe('sk-live-0123456789');
    expect(await store.get('openai')).toBe('sk-live-0123456789');
    expect(await store.get('windows')).toBe('crlf-value-123');
    expect(await store.get(`\${secret:team/db-url}`)).toBe('postgres://app@db/app');
    expect(await store.resolve(`\${secret:openai}`)).toBe('sk-live-0123456789');
    expect(await store.resolve('plain text, not a reference')).toBe('plain text, not a reference');
  });

  it('reads a #field from a JSON file, and a missing field is not found', async () => {
    await files.write('db', '{"user":"app","password":"pa55-w0rd-xyz","port":5432}\n');
    const { store } = directoryStore();
    expect(await store.get(`\${secret:db#password}`)).toBe('pa55-w0rd-xyz');
    expect(await store.get('db#user')).toBe('app');
    expect(await store.get('db#port')).toBe('5432');
    const missing = await store.get(`\${secret:db#host}`).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect((missing as SecretNotFoundError).code).toBe('BW_SECRET_NOT_FOUND');
    expect((missing as Error).message).toContain('"db#host"');
  });

  it('fires a rotation callback once with the new value when the file changes', async () => {
    await files.write('openai', 'first-value-aaaa\n');
    const { store, provider } = directoryStore();
    const seen: string[] = [];
    store.onRotation(`\${secret:openai}`, (value) => {
      seen.push(value);
    });
    expect(await store.get('openai')).toBe('first-value-aaaa');

    // Unchanged: re-read on every round, and no call.
    await vi.waitFor(() => expect(provider.reads.length).toBeGreaterThanOrEqual(4), {
      timeout: 5_000,
    });
    expect(seen).toEqual([]);

    await files.write('openai', 'second-value-bbbb\n');
    await vi.waitFor(() => expect(seen).toEqual(['second-value-bbbb']), { timeout: 5_000 });
    const readsAfterChange = provider.reads.length;
    await vi.waitFor(() => expect(provider.reads.length).toBeGreaterThan(readsAfterChange + 2), {
      timeout: 5_000,
    });
    expect(seen).toEqual(['second-value-bbbb']);
    expect(await store.get('openai')).toBe('second-value-bbbb');
  });

  it('follows a Kubernetes-style atomic swap of the ..data symlink', async () => {
    // The kubelet's layout: name → ..data/name, ..data → ..<timestamp>; rotation swaps ..data.
    await mkdir(join(files.dir, '..2024_01'));
    await writeFile(join(files.dir, '..2024_01', 'token'), 'token-version-one');
    await symlink('..2024_01', join(files.dir, '..data'));
    await symlink('..data/token', join(files.dir, 'token'));
    const { store } = directoryStore();
    const seen: string[] = [];
    store.onRotation('token', (value) => {
      seen.push(value);
    });
    expect(await store.get('token')).toBe('token-version-one');

    await mkdir(join(files.dir, '..2024_02'));
    await writeFile(join(files.dir, '..2024_02', 'token'), 'token-version-two');
    await symlink('..2024_02', join(files.dir, '..data_tmp'));
    await rename(join(files.dir, '..data_tmp'), join(files.dir, '..data'));
    await vi.waitFor(() => expect(seen).toEqual(['token-version-two']), { timeout: 5_000 });
  });

  it('a throwing callback is logged without the value and does not stop the others', async () => {
    await files.write('api', 'api-value-one-111');
    const { store, warnings } = directoryStore();
    const calls: string[] = [];
    store.onRotation('api', (value) => {
      throw new Error(`could not reconnect with ${value}`);
    });
    store.onRotation('api', async () => {
      throw new Error('async failure');
    });
    store.onRotation('api', (value) => {
      calls.push(value);
    });
    await store.get('api');
    await files.write('api', 'api-value-two-222');
    await vi.waitFor(() => expect(calls).toEqual(['api-value-two-222']), { timeout: 5_000 });
    await vi.waitFor(() => expect(warnings).toHaveLength(2));
    const logged = JSON.stringify(warnings);
    expect(logged).toContain('rotation callback');
    expect(logged).toContain('could not reconnect with [REDACTED]');
    expect(logged).not.toContain('api-value-two-222');
  });

  it('stops re-reading when the last callback unsubscribes, and when the store closes', async () => {
    await files.write('api', 'api-value-one-111');
    const { store, provider } = directoryStore();
    const calls: string[] = [];
    const first = store.onRotation('api', (value) => {
      calls.push(value);
    });
    const second = store.onRotation('api', () => undefined);
    await vi.waitFor(() => expect(provider.reads.length).toBeGreaterThanOrEqual(3), {
      timeout: 5_000,
    });
    first();
    second();
    second(); // idempotent
    await sleep(100); // a round already under way may finish
    const readsWhenUnwatched = provider.reads.length;
    await files.write('api', 'api-value-two-222');
    await sleep(400);
    expect(provider.reads.length).toBe(readsWhenUnwatched);
    expect(calls).toEqual([]);

    store.onRotation('api', (value) => {
      calls.push(value);
    });
    await vi.waitFor(() => expect(calls).toEqual(['api-value-two-222']), { timeout: 5_000 });
    await store.close();
    const readsWhenClosed = provider.reads.length;
    await files.write('api', 'api-value-three-333');
    await sleep(400);
    expect(provider.reads.length).toBe(readsWhenClosed);
    expect(calls).toEqual(['api-value-two-222']);
  });
});
