import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretStore } from '@bulwark/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigRegistryError, resolveSecretReferences } from '../src/index.js';
import { type ConfigFolder, makeConfigFolder } from './fixtures/config-files.js';

let folder: ConfigFolder;
let store: SecretStore;

beforeEach(async () => {
  folder = await makeConfigFolder();
  await writeFile(join(folder.dir, 'smtp'), JSON.stringify({ password: 'mail-pass-0123456789' }));
  await mkdir(join(folder.dir, 'tenants'));
  await writeFile(join(folder.dir, 'tenants', 'acme'), 'acme-key-0123456789\n');
  // The kit's store over a real directory provider: how a service configures `secrets.dir`.
  store = new SecretStore(
    { dir: folder.dir, env: false, cacheTtlMs: 60_000 },
    { environment: 'test' },
  );
});
afterEach(async () => {
  await store.close();
  await folder.remove();
});

describe('resolving secret references at apply time', () => {
  it('replaces every reference, at any depth, in a copy; the document keeps its references', async () => {
    const document = {
      smtp: { host: 'smtp.example.com', password: `\${secret:smtp#password}` },
      tenants: [{ name: 'acme', key: `\${secret:tenants/acme}` }],
      note: `a \${secret:x} inside text is not a reference`,
    };
    const resolved = await resolveSecretReferences(document, store);
    expect(resolved).toEqual({
      smtp: { host: 'smtp.example.com', password: 'mail-pass-0123456789' },
      tenants: [{ name: 'acme', key: 'acme-key-0123456789' }],
      note: `a \${secret:x} inside text is not a reference`,
    });
    expect(document.smtp.password).toBe(`\${secret:smtp#password}`);
  });

  it('refuses a reference that does not resolve, naming the path and secret, no value', async () => {
    const document = {
      smtp: { password: `\${secret:smtp#password}` },
      tenants: [{ key: `\${secret:tenants/globex}` }],
    };
    let error: unknown;
    try {
      await resolveSecretReferences(document, store);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigRegistryError);
    expect(error).toMatchObject({ code: 'CONFIG_SECRET_UNRESOLVED', path: '/tenants/0/key' });
    const message = (error as Error).message;
    expect(message).toMatch(/^\/tenants\/0\/key: secret tenants\/globex did not resolve: /);
    expect(message).not.toContain('mail-pass');
  });

  it('refuses a field the secret lacks, and a malformed reference, by path', async () => {
    await expect(
      resolveSecretReferences({ smtp: { user: `\${secret:smtp#user}` } }, store),
    ).rejects.toMatchObject({ code: 'CONFIG_SECRET_UNRESOLVED', path: '/smtp/user' });
    await expect(
      resolveSecretReferences({ a: `\${secret:../../etc/passwd}` }, store),
    ).rejects.toMatchObject({
      code: 'CONFIG_SECRET_UNRESOLVED',
      path: '/a',
      message: expect.stringContaining(`is not a \${secret:name}`),
    });
  });

  it('does not pass on what a foreign secret source’s error says (it may quote a value)', async () => {
    const leaky = {
      get: async () => {
        throw new Error('auth failed for password hunter2-hunter2');
      },
    };
    const promise = resolveSecretReferences({ p: `\${secret:db}` }, leaky);
    await expect(promise).rejects.toMatchObject({
      code: 'CONFIG_SECRET_UNRESOLVED',
      message: '/p: secret db did not resolve: Error',
    });
  });

  it('reports a closed store as unresolved too', async () => {
    await store.close();
    await expect(
      resolveSecretReferences({ smtp: { password: `\${secret:smtp#password}` } }, store),
    ).rejects.toMatchObject({ code: 'CONFIG_SECRET_UNRESOLVED', path: '/smtp/password' });
  });
});
