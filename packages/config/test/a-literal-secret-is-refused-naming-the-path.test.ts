import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  builtInConfigSchemas,
  ConfigRegistryError,
  documentProblem,
  resolveConfig,
  validateDocument,
} from '../src/index.js';
import { type ConfigFolder, makeConfigFolder } from './fixtures/config-files.js';

const notifications = builtInConfigSchemas().get('notifications', 1);

/* Credential-shaped test values, built at run time so no scanner mistakes this file for a leak. */
const PEM = [
  '-----BEGIN RSA PRIVATE',
  'KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----',
].join(' ');
const AWS_KEY_ID = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
const URL_WITH_PASSWORD = ['postgres://app:', 's3cr3t-pass', '@db:5432/app'].join('');
const JWT = [
  'eyJhbGciOiJIUzI1NiJ9',
  'eyJzdWIiOiIxMjM0NTY3ODkwIn0',
  'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
].join('.');
const GITHUB_TOKEN = ['ghp_', 'a'.repeat(36)].join('');

function refusal(document: unknown): ConfigRegistryError {
  try {
    validateDocument(notifications, document);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigRegistryError);
    return error as ConfigRegistryError;
  }
  throw new Error('expected the document to be refused');
}

describe('literal secrets in a config document', () => {
  it('refuses a literal in an x-secret key, naming the path and not the value', () => {
    const error = refusal({ smtp: { password: 'hunter2-hunter2' } });
    expect(error.code).toBe('CONFIG_LITERAL_SECRET');
    expect(error.path).toBe('/smtp/password');
    expect(error.message).toBe(
      'config notifications v1: /smtp/password holds a literal value: ' +
        `a secret key takes a reference like \${secret:name}`,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a number in an x-secret key too (YAML reads `password: 12345678` as one)', () => {
    expect(refusal({ smtp: { password: 12345678 } }).code).toBe('CONFIG_LITERAL_SECRET');
  });

  it('accepts a reference in an x-secret key, with or without a field', () => {
    expect(() =>
      validateDocument(notifications, { smtp: { password: `\${secret:smtp}` } }),
    ).not.toThrow();
    expect(() =>
      validateDocument(notifications, { smtp: { password: `\${secret:mail/smtp#password}` } }),
    ).not.toThrow();
  });

  it.each([
    ['a PEM private key', PEM],
    ['a URL with a password', URL_WITH_PASSWORD],
    ['an AWS access key id', AWS_KEY_ID],
    ['a JSON Web Token', JWT],
    ['a GitHub token', GITHUB_TOKEN],
  ])('refuses %s in any string, even in a key that is not a secret', (what, value) => {
    const error = refusal({ smtp: { host: value } });
    expect(error.code).toBe('CONFIG_LITERAL_SECRET');
    expect(error.path).toBe('/smtp/host');
    expect(error.message).toContain(`holds what looks like ${what}`);
    expect(error.message).not.toContain(value);
  });

  it('finds one nested in an array or an unknown key, and reports it before schema faults', () => {
    const problem = documentProblem(notifications, {
      janitor: { enabled: 'not a boolean' },
      extra: { list: ['fine', `key ${AWS_KEY_ID}`] },
    });
    expect(problem).toMatchObject({ code: 'CONFIG_LITERAL_SECRET', path: '/extra/list/1' });
  });

  it('lets a URL without a password and ordinary text through', () => {
    expect(() =>
      validateDocument(notifications, {
        smtp: { host: 'smtp.example.com', username: 'https://a@b' },
      }),
    ).not.toThrow();
  });

  it('refuses a malformed reference as CONFIG_INVALID, not as a literal', () => {
    const error = refusal({ smtp: { password: `\${secret:../etc/passwd}` } });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.path).toBe('/smtp/password');
    expect(error.message).toContain('is not a valid secret reference');
  });

  describe('in layers', () => {
    let folder: ConfigFolder;
    beforeEach(async () => {
      folder = await makeConfigFolder();
    });
    afterEach(() => folder.remove());

    it('refuses a literal in a file even when a higher layer overrides it, naming the file', async () => {
      const base = await folder.write('base.yaml', 'smtp:\n  password: hunter2-hunter2\n');
      const promise = resolveConfig({
        entry: notifications,
        files: [base],
        env: { NOTIFICATIONS_SMTP_PASSWORD: `\${secret:smtp}` },
      });
      await expect(promise).rejects.toMatchObject({
        code: 'CONFIG_LITERAL_SECRET',
        path: '/smtp/password',
        message: expect.stringContaining(`(from file ${base})`),
      });
      await expect(promise).rejects.not.toMatchObject({
        message: expect.stringContaining('hunter2'),
      });
    });

    it('refuses a literal from an environment variable, naming the variable', async () => {
      await expect(
        resolveConfig({
          entry: notifications,
          env: { NOTIFICATIONS_SMTP_PASSWORD: 'hunter2-hunter2' },
        }),
      ).rejects.toMatchObject({
        code: 'CONFIG_LITERAL_SECRET',
        message: expect.stringContaining('(from env NOTIFICATIONS_SMTP_PASSWORD)'),
      });
    });

    it('refuses a credential in a remote override, naming the registry version', async () => {
      await expect(
        resolveConfig({
          entry: notifications,
          env: {},
          remote: { version: 7, document: { smtp: { host: URL_WITH_PASSWORD } } },
        }),
      ).rejects.toMatchObject({
        code: 'CONFIG_LITERAL_SECRET',
        path: '/smtp/host',
        message: expect.stringContaining('(from remote registry v7)'),
      });
    });
  });
});
