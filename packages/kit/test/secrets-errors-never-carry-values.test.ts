import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, scrubString } from '../src/index.js';
import { DirectorySecretProvider } from '../src/secrets/directory-provider.js';
import { MIN_SCRUBBED_LENGTH, scrubKnownSecretValues } from '../src/secrets/known-secret-values.js';
import {
  SecretFormatError,
  SecretNotFoundError,
  SecretProviderError,
  SecretReferenceError,
} from '../src/secrets/secret-errors.js';
import type { SecretProvider } from '../src/secrets/secret-provider.js';
import { SecretStore } from '../src/secrets/secret-store.js';
import { captureLogs } from './helpers.js';
import { makeSecretDir, type SecretDir } from './secrets-fixtures/secret-dir.js';
import { secretsConfig } from './secrets-fixtures/store-config.js';

const VALUE = 'Zq8-value-that-must-never-leak-71';
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

/** The error a read ends in, checked for the value everywhere it could hide. */
async function failure(read: Promise<unknown>, secret = VALUE): Promise<Error> {
  const error = (await read.then(
    () => {
      throw new Error('the read succeeded');
    },
    (error: unknown) => error,
  )) as Error;
  expect(error.message).not.toContain(secret);
  expect(error.stack ?? '').not.toContain(secret);
  expect(error.cause).toBeUndefined();
  expect(JSON.stringify(error)).not.toContain(secret);
  expect(JSON.stringify({ ...error, message: error.message })).not.toContain(secret);
  return error;
}

describe('secret errors never carry a value', () => {
  it('an unknown secret names the secret and every provider asked', async () => {
    store = new SecretStore(secretsConfig({ dir: files.dir, env: true }), {
      environment: 'development',
      env: {},
    });
    const error = await failure(store.get(`\${secret:openai}`));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).code).toBe('BW_SECRET_NOT_FOUND');
    expect(error.message).toBe(
      `secret "openai" was not found (asked: directory ${files.dir}, environment BULWARK_SECRET_*)`,
    );
    expect((error as SecretNotFoundError).providers).toEqual([
      `directory ${files.dir}`,
      'environment BULWARK_SECRET_*',
    ]);
  });

  it('a #field of a file that is not JSON says so without quoting the file', async () => {
    await files.write('raw', `${VALUE} {`);
    store = new SecretStore(secretsConfig({ dir: files.dir }), { environment: 'test' });
    const error = await failure(store.get(`\${secret:raw#password}`));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toContain('is not JSON, so it has no field "password"');
  });

  it('a #field that is an object is refused without quoting it', async () => {
    await files.write('nested', JSON.stringify({ password: { inner: VALUE } }));
    store = new SecretStore(secretsConfig({ dir: files.dir }), { environment: 'test' });
    const error = await failure(store.get('nested#password'));
    expect(error).toBeInstanceOf(SecretFormatError);
  });

  it("a provider's own error, which quotes the value, is reduced to its kind", async () => {
    const leaky: SecretProvider = {
      name: 'leaky',
      read: async () => {
        throw Object.assign(new TypeError(`cannot parse ${VALUE}`), { code: 'E_PARSE' });
      },
    };
    store = new SecretStore(secretsConfig(), { environment: 'test', providers: [leaky] });
    const error = await failure(store.get('openai'));
    expect(error).toBeInstanceOf(SecretProviderError);
    expect(error.message).toBe('leaky could not read secret "openai": TypeError E_PARSE');
  });

  it('text that is not a reference is not echoed in the error', async () => {
    store = new SecretStore(secretsConfig(), { environment: 'test' });
    const literal = `sk-live ${VALUE}`;
    const error = await failure(store.get(literal));
    expect(error).toBeInstanceOf(SecretReferenceError);
  });

  it('a failed re-read is logged with the secret name and no value', async () => {
    await files.write('doc', `{"password":"${VALUE}"}`);
    const logs = captureLogs();
    const logger = createLogger({
      service: 's',
      version: '1',
      level: 'info',
      destination: logs.stream,
    });
    store = new SecretStore(secretsConfig({ dir: files.dir, cacheTtlMs: 50 }), {
      environment: 'test',
      logger,
    });
    store.onRotation('doc#password', () => undefined);
    expect(await store.get('doc#password')).toBe(VALUE);
    // The file stops being JSON, and its text quotes the old value.
    await files.write('doc', `${VALUE} is no longer JSON`);
    await expect
      .poll(() => logs.records().some((r) => r.secretName === 'doc#password'), { timeout: 5_000 })
      .toBe(true);
    const line = logs.lines.find((l) => l.includes('doc#password')) ?? '';
    expect(line).toContain('could not be read; the last value stays in use');
    expect(line).toContain('BW_SECRET_FORMAT');
    expect(line).not.toContain(VALUE);
    await failure(store.get('doc#password'));
  });

  it('remembers each value handed out, so it can be scrubbed from text that quotes it', async () => {
    await files.write('opaque', 'x9fQ2-opaque-no-keyword');
    const provider = new DirectorySecretProvider(files.dir);
    store = new SecretStore(secretsConfig(), { environment: 'test', providers: [provider] });
    const line = 'connected with x9fQ2-opaque-no-keyword to db';
    // The pattern rules cannot recognize an opaque value...
    expect(scrubString(line)).toBe(line);
    expect(scrubKnownSecretValues(line, '[REDACTED]')).toBe(line);
    await store.get('opaque');
    // ...the exact-match list can, once the store has handed it out.
    expect(scrubKnownSecretValues(line, '[REDACTED]')).toBe('connected with [REDACTED] to db');
    expect(MIN_SCRUBBED_LENGTH).toBeGreaterThan(1);
  });
});
