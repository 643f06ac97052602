import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectorySecretProvider } from '../src/secrets/directory-provider.js';
import { SecretReferenceError } from '../src/secrets/secret-errors.js';
import { SecretReference } from '../src/secrets/secret-reference.js';
import { SecretStore } from '../src/secrets/secret-store.js';
import { makeSecretDir, type SecretDir } from './secrets-fixtures/secret-dir.js';
import { secretsConfig } from './secrets-fixtures/store-config.js';

const OUTSIDE_VALUE = 'outside-value-must-not-be-read';
let files: SecretDir;
let store: SecretStore | undefined;

beforeEach(async () => {
  files = await makeSecretDir();
  await writeFile(join(files.outside, 'target'), OUTSIDE_VALUE);
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await files.remove();
});

async function refusal(read: Promise<unknown>): Promise<SecretReferenceError> {
  const error = await read.then(
    (value) => {
      throw new Error(`read succeeded with ${String(value).length} characters`);
    },
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SecretReferenceError);
  expect((error as SecretReferenceError).code).toBe('BW_SECRET_REFERENCE_INVALID');
  expect(JSON.stringify(error)).not.toContain(OUTSIDE_VALUE);
  return error as SecretReferenceError;
}

describe('a secret name never leaves its directory', () => {
  it.each([
    ['a parent segment', '../outside/target'],
    ['a parent segment deeper in', 'x/../../outside/target'],
    ['an absolute path', join('/', 'etc', 'passwd')],
    ['another absolute path', '/outside/target'],
    ['a current-directory segment', './target'],
    ['an empty segment', 'a//b'],
    ['a backslash', '..\\outside\\target'],
    ['a NUL byte', 'target\0.txt'],
    ['the directory itself', '.'],
  ])('the directory provider refuses %s', async (_what, name) => {
    const provider = new DirectorySecretProvider(files.dir);
    await refusal(provider.read(name));
  });

  it('refuses a symbolic link that points out of the directory', async () => {
    await symlink(join(files.outside, 'target'), join(files.dir, 'escape'));
    await mkdir(join(files.dir, 'nested'));
    await symlink('../../outside', join(files.dir, 'nested', 'up'));
    const provider = new DirectorySecretProvider(files.dir);
    const error = await refusal(provider.read('escape'));
    expect(error.message).toContain('symbolic link out of the directory');
    await refusal(provider.read('nested/up/target'));
  });

  it('accepts a symbolic link that stays inside (the Kubernetes layout)', async () => {
    await files.write('..data/inside', 'inside-value-123');
    await symlink('..data/inside', join(files.dir, 'inside'));
    const provider = new DirectorySecretProvider(files.dir);
    expect(await provider.read('inside')).toBe('inside-value-123');
  });

  it('the store refuses traversal in a reference before any provider is asked', async () => {
    store = new SecretStore(secretsConfig({ dir: files.dir }), { environment: 'test' });
    await refusal(store.get(`\${secret:x/../../outside/target}`));
    await refusal(store.get('../outside/target'));
    await refusal(store.get('/etc/passwd'));
    // Text that starts like a reference and is not one is refused, not passed on as a value.
    await refusal(store.resolve(`\${secret:x/../../outside/target}`));
    expect(() => store?.onRotation(`\${secret:../x}`, () => undefined)).toThrow(
      SecretReferenceError,
    );
  });

  it('the config schema refuses such references too', () => {
    expect(Value.Check(SecretReference, `\${secret:team/db#password}`)).toBe(true);
    expect(Value.Check(SecretReference, `\${secret:team/../db}`)).toBe(false);
    expect(Value.Check(SecretReference, `\${secret:./db}`)).toBe(false);
    expect(Value.Check(SecretReference, `\${secret:/etc/passwd}`)).toBe(false);
  });
});
