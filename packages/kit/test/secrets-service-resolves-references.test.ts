import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { SecretNotFoundError } from '../src/secrets/secret-errors.js';
import { testService } from './helpers.js';
import { makeSecretDir, type SecretDir } from './secrets-fixtures/secret-dir.js';

let service: Service | undefined;
let files: SecretDir | undefined;

afterEach(async () => {
  await service?.shutdown();
  service = undefined;
  await files?.remove();
  files = undefined;
});

describe('service.secrets', () => {
  it('resolves a secret reference from secrets.dir, and closes with the service', async () => {
    files = await makeSecretDir();
    await files.write('x', 'service-secret-value\n');
    await files.write('db', '{"password":"service-db-password"}');
    ({ service } = testService({ secrets: { dir: files.dir } }));
    await service.listen();
    expect(service.secrets.providers).toEqual([`directory ${files.dir}`]);
    expect(await service.secrets.get(`\${secret:x}`)).toBe('service-secret-value');
    expect(await service.secrets.resolve(`\${secret:db#password}`)).toBe('service-db-password');
    expect(await service.secrets.resolve('not-a-reference')).toBe('not-a-reference');
    await expect(service.secrets.get(`\${secret:absent}`)).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
    await service.shutdown();
    await expect(service.secrets.get('x')).rejects.toMatchObject({
      code: 'BW_SECRET_STORE_CLOSED',
    });
  });

  it('takes the directory from BULWARK_SECRETS_DIR', async () => {
    files = await makeSecretDir();
    await files.write('x', 'from-env-dir-value');
    ({ service } = testService({ env: { BULWARK_SECRETS_DIR: files.dir } }));
    expect(await service.secrets.get('x')).toBe('from-env-dir-value');
  });
});
