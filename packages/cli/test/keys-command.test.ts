import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKeyring } from '@bulwark/keys';
import { createSoftHsmToken, SOFTHSM_MODULE, softhsm } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as bulwark, expectOneLineFailure, type Run } from './run-cli.js';

const bin = fileURLToPath(new URL('../bin/bulwark.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-keys-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The real executable, once, to prove the exit code reaches the shell. */
function bulwarkProcess(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, cwd: work },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const fileEnv = {
  NODE_ENV: undefined,
  BULWARK_KEYS_PROVIDER: undefined,
  BULWARK_ALLOW_FILE_KEYS: undefined,
};

describe('bulwark keys (file provider)', () => {
  const dir = join(work, 'keys');

  it('init, rotate, list and export-public a key', async () => {
    const init = await bulwark(
      ['keys', 'init', 'checkpoint', '--dir', dir, '--format', 'json'],
      fileEnv,
    );
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({
      keyId: 'checkpoint/v1',
      algorithm: 'Ed25519',
      provider: 'file',
    });
    expect(statSync(join(dir, 'checkpoint', 'v1.pem')).mode & 0o777).toBe(0o600);

    const keyringPath = join(work, 'keyring.json');
    const rotate = await bulwark(
      ['keys', 'rotate', 'checkpoint', '--dir', dir, '--keyring', keyringPath],
      fileEnv,
    );
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain('checkpoint/v2');
    expect((await loadKeyring(keyringPath)).entries().map((e) => e.keyId)).toEqual([
      'checkpoint/v1',
      'checkpoint/v2',
    ]);

    const list = await bulwark(['keys', 'list', '--dir', dir, '--format', 'json'], fileEnv);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((k: { keyId: string }) => k.keyId)).toEqual([
      'checkpoint/v1',
      'checkpoint/v2',
    ]);

    const exported = await bulwark(['keys', 'export-public', '--dir', dir], fileEnv);
    expect(exported.code).toBe(0);
    const document = JSON.parse(exported.stdout);
    expect(document.format).toBe('bulwark-keyring/v1');
    expect(exported.stdout).not.toContain('PRIVATE KEY');
    expect(document.keys).toHaveLength(2);
  });

  it('bad inputs exit 2 with one line: missing key, bad name, loose permissions, production', async () => {
    expectOneLineFailure(
      await bulwark(['keys', 'rotate', 'missing', '--dir', dir], fileEnv),
      /BW_KEYS_NOT_FOUND/,
    );
    expectOneLineFailure(
      await bulwark(['keys', 'init', '../escape', '--dir', dir], fileEnv),
      /BW_KEYS_INVALID_NAME/,
    );
    expectOneLineFailure(
      await bulwark(['keys', 'list', '--dir', dir], { ...fileEnv, NODE_ENV: 'production' }),
      /BW_KEYS_FILE_REFUSED_IN_PRODUCTION/,
    );
    const allowed = await bulwark(['keys', 'list', '--dir', dir], {
      ...fileEnv,
      NODE_ENV: 'production',
      BULWARK_ALLOW_FILE_KEYS: '1',
    });
    expect(allowed.code).toBe(0);
    const loose = join(work, 'loose');
    await bulwark(['keys', 'init', 'k', '--dir', loose], fileEnv);
    const { chmodSync } = await import('node:fs');
    chmodSync(join(loose, 'k', 'v1.pem'), 0o644);
    expectOneLineFailure(await bulwark(['keys', 'list', '--dir', loose], fileEnv), /must be 0600/);
    const usage = await bulwark(['keys', 'list', '--provider', 'cloud'], fileEnv);
    expect(usage.code).toBe(2);
  });
});

describe('bulwark keys reading commands', () => {
  it('exit 2 with one line for a keystore directory that does not exist, and create nothing', async () => {
    const missing = join(work, 'no-such-keystore', 'keys');
    for (const args of [
      ['keys', 'list', '--dir', missing],
      ['keys', 'list', 'checkpoint', '--dir', missing],
      ['keys', 'export-public', '--dir', missing],
      ['keys', 'rotate', 'checkpoint', '--dir', missing],
    ]) {
      const run = await bulwark(args, fileEnv);
      expectOneLineFailure(run, `does not exist`);
      expect(run.stderr, args.join(' ')).toContain(missing);
      expect(existsSync(join(work, 'no-such-keystore')), args.join(' ')).toBe(false);
    }
    // Writing is what creates a keystore.
    expect((await bulwark(['keys', 'init', 'checkpoint', '--dir', missing], fileEnv)).code).toBe(0);
    expect(statSync(missing).mode & 0o777).toBe(0o700);
  });
});

describe.skipIf(!softhsm.available)('bulwark keys (pkcs11 provider on SoftHSM2)', () => {
  it('creates and lists keys in the token, with the PIN from the environment only', async () => {
    const token = createSoftHsmToken();
    try {
      const base = [
        '--provider',
        'pkcs11',
        '--module',
        SOFTHSM_MODULE,
        '--token-label',
        token.label,
      ];
      const env = { SOFTHSM2_CONF: token.conf, BULWARK_PKCS11_PIN: token.pin };
      const init = await bulwark(['keys', 'init', 'device', ...base, '--format', 'json'], env);
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      expect(JSON.parse(init.stdout)).toMatchObject({ keyId: 'device/v1', provider: 'pkcs11' });
      expect((await bulwark(['keys', 'rotate', 'device', ...base], env)).code).toBe(0);
      const out = join(work, 'hsm-keyring.json');
      expect((await bulwark(['keys', 'export-public', ...base, '--out', out], env)).code).toBe(0);
      expect(readFileSync(out, 'utf8')).toContain('device/v2');

      const wrong = await bulwarkProcess(['keys', 'list', ...base], {
        ...env,
        BULWARK_PKCS11_PIN: 'not-the-pin-42',
      });
      expectOneLineFailure(wrong, /BW_PKCS11_PIN_INCORRECT/);
      expect(wrong.stderr).not.toContain('not-the-pin-42');
      expectOneLineFailure(
        await bulwark(['keys', 'list', ...base], { ...env, BULWARK_PKCS11_PIN: undefined }),
        /BULWARK_PKCS11_PIN/,
      );
      expectOneLineFailure(
        await bulwark(
          ['keys', 'list', '--provider', 'pkcs11', '--module', '/nope.so', '--token-label', 'x'],
          env,
        ),
        /BW_PKCS11_MODULE_LOAD_FAILED/,
      );
      expectOneLineFailure(
        await bulwark(
          [
            'keys',
            'list',
            '--provider',
            'pkcs11',
            '--module',
            SOFTHSM_MODULE,
            '--token-label',
            'nope',
          ],
          env,
        ),
        /BW_PKCS11_TOKEN_NOT_FOUND/,
      );
    } finally {
      token.remove();
    }
  });
});
