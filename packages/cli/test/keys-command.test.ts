import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKeyring } from '@bulwark/keys';
import { createSoftHsmToken, SOFTHSM_MODULE, softhsm } from '@bulwark/testkit';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.js';

const bin = fileURLToPath(new URL('../bin/bulwark.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-keys-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process (a child process per call costs about a second on this machine):
 * the environment is swapped in for the call, and stdout/stderr writes are captured.
 */
async function bulwark(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  const setEnv = (values: Iterable<[string, string | undefined]>) => {
    for (const [name, value] of values) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => out.push(String(chunk)) > 0);
  const stderr = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => err.push(String(chunk)) > 0);
  setEnv(Object.entries({ NO_COLOR: '1', ...env }));
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    setEnv(saved);
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

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

/** A failure is one line on stderr, exit 2, and never a stack trace. */
function expectOneLineFailure(run: Run, text: string | RegExp) {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(text);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
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
