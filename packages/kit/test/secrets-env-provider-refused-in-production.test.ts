import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import {
  EnvironmentSecretProvider,
  secretVariableName,
} from '../src/secrets/environment-provider.js';
import { SecretStore } from '../src/secrets/secret-store.js';
import { makeSecretDir, type SecretDir } from './secrets-fixtures/secret-dir.js';
import { secretsConfig } from './secrets-fixtures/store-config.js';

let store: SecretStore | undefined;
let files: SecretDir | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
  await files?.remove();
  files = undefined;
});

describe('secrets from environment variables', () => {
  it('names the variable BULWARK_SECRET_<NAME>, upper-cased, other characters as _', () => {
    expect(secretVariableName('openai')).toBe('BULWARK_SECRET_OPENAI');
    expect(secretVariableName('db/primary-url.v2')).toBe('BULWARK_SECRET_DB_PRIMARY_URL_V2');
  });

  it('are read in development, after the directory, and a #field from JSON', async () => {
    files = await makeSecretDir();
    await files.write('shared', 'from-the-directory');
    const env = {
      BULWARK_SECRET_OPENAI_KEY: 'env-openai-value',
      BULWARK_SECRET_SHARED: 'from-the-environment',
      BULWARK_SECRET_DB_PRIMARY: '{"password":"env-db-password"}',
    };
    store = new SecretStore(secretsConfig({ dir: files.dir, env: true }), {
      environment: 'development',
      env,
    });
    expect(store.providers).toEqual([`directory ${files.dir}`, 'environment BULWARK_SECRET_*']);
    expect(await store.get(`\${secret:openai-key}`)).toBe('env-openai-value');
    expect(await store.get(`\${secret:db/primary#password}`)).toBe('env-db-password');
    expect(await store.get('shared')).toBe('from-the-directory');
  });

  it('are off unless secrets.env is true', async () => {
    store = new SecretStore(secretsConfig(), {
      environment: 'development',
      env: { BULWARK_SECRET_OPENAI: 'env-openai-value' },
    });
    await expect(store.get('openai')).rejects.toMatchObject({ code: 'BW_SECRET_NOT_FOUND' });
  });

  it('are refused by the store in production', () => {
    const env = { BULWARK_SECRET_OPENAI: 'env-openai-value' };
    expect(
      () => new SecretStore(secretsConfig({ env: true }), { environment: 'production', env }),
    ).toThrow(ConfigError);
    expect(
      () => new SecretStore(secretsConfig({ env: true }), { environment: 'production', env }),
    ).toThrow(/refused in production/);
  });

  it('are refused by the provider itself in production, or whenever NODE_ENV says production', async () => {
    expect(() => new EnvironmentSecretProvider({ environment: 'production', env: {} })).toThrow(
      ConfigError,
    );
    expect(
      () =>
        new EnvironmentSecretProvider({
          environment: 'development',
          env: { NODE_ENV: 'production' },
        }),
    ).toThrow(ConfigError);
    // Made in development, then the process turns production: reads are refused.
    const env: NodeJS.ProcessEnv = { BULWARK_SECRET_OPENAI: 'env-openai-value' };
    const provider = new EnvironmentSecretProvider({ environment: 'development', env });
    expect(await provider.read('openai')).toBe('env-openai-value');
    env.NODE_ENV = 'production';
    await expect(provider.read('openai')).rejects.toBeInstanceOf(ConfigError);
  });

  it('are refused by the config in production', () => {
    expect(() =>
      loadConfig(
        { name: 'svc', version: '1' },
        { NODE_ENV: 'production', BULWARK_SECRETS_ENV: 'true' },
      ),
    ).toThrow(/secrets\.env .* refused in production/);
    expect(
      loadConfig(
        { name: 'svc', version: '1' },
        { NODE_ENV: 'development', BULWARK_SECRETS_ENV: 'true' },
      ).secrets.env,
    ).toBe(true);
  });
});
