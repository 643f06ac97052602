import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

function countedStore(cacheTtlMs: number) {
  const provider = countingProvider(new DirectorySecretProvider(files.dir));
  store = new SecretStore(secretsConfig({ dir: files.dir, cacheTtlMs }), {
    environment: 'test',
    providers: [provider],
  });
  return { store, provider };
}

describe('secret caching', () => {
  it('serves a value from the cache until cacheTtlMs has passed, then reads again', async () => {
    await files.write('openai', 'cached-value-one');
    const { store, provider } = countedStore(1_000);
    expect(await store.get('openai')).toBe('cached-value-one');
    await files.write('openai', 'cached-value-two');
    for (let i = 0; i < 5; i++)
      expect(await store.get(`\${secret:openai}`)).toBe('cached-value-one');
    expect(provider.reads).toEqual(['openai']);
    await sleep(1_200);
    expect(await store.get('openai')).toBe('cached-value-two');
    expect(provider.reads).toEqual(['openai', 'openai']);
  });

  it('shares one read among concurrent gets of one secret', async () => {
    await files.write('openai', 'shared-value-123');
    await files.write('db', '{"password":"db-password-123"}');
    const { store, provider } = countedStore(0);
    const values = await Promise.all([
      ...Array.from({ length: 20 }, () => store.get('openai')),
      ...Array.from({ length: 5 }, () => store.get(`\${secret:db#password}`)),
    ]);
    expect(new Set(values)).toEqual(new Set(['shared-value-123', 'db-password-123']));
    expect(provider.reads.sort()).toEqual(['db#password', 'openai']);
    // With cacheTtlMs 0 there is no cache: a later get reads again.
    await store.get('openai');
    expect(provider.reads.filter((name) => name === 'openai')).toHaveLength(2);
  });

  it('does not cache a miss: a secret that appears later is found', async () => {
    const { store, provider } = countedStore(60_000);
    await expect(store.get('late')).rejects.toBeInstanceOf(SecretNotFoundError);
    await files.write('late', 'late-value-1234');
    expect(await store.get('late')).toBe('late-value-1234');
    expect(provider.reads).toEqual(['late', 'late']);
  });

  it('forgets every value when closed, and refuses gets after', async () => {
    await files.write('openai', 'closing-value-123');
    const { store } = countedStore(60_000);
    await store.get('openai');
    await store.close();
    await expect(store.get('openai')).rejects.toMatchObject({ code: 'BW_SECRET_STORE_CLOSED' });
  });
});
