import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveKeyring } from '@bulwark/keys';
import { writeBundle } from '@bulwark/verify';
import { describe, expect, it } from 'vitest';
import {
  SAMPLES_PATH,
  type TestKeys,
  tempDir,
  testKeys,
  testRun,
} from '../../verify/test/evidence-fixtures.js';
import { expectOneLineFailure, runCli } from './run-cli.js';

async function signedBundle(): Promise<{ dir: string; keys: TestKeys; keyringFile: string }> {
  const keys = await testKeys();
  const { dir } = await writeBundle(testRun(), { root: tempDir(), signer: keys.signer });
  const keyringFile = join(tempDir(), 'keyring.json');
  await saveKeyring(keyringFile, keys.keyring);
  return { dir, keys, keyringFile };
}

describe('bulwark evidence verify', () => {
  it('exits 0 on a valid bundle, with the keyring file or the key provider’s keys', async () => {
    const { dir, keys, keyringFile } = await signedBundle();
    const run = await runCli(['evidence', 'verify', dir, '--keyring', keyringFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^VALID {2}bundle \S+ \(plan reference, dev, /);
    expect(run.stdout).toContain('signed by evidence/v1');
    expect(run.stdout).toContain('artifacts  1 of 1 match bundle.json');
    expect(run.stderr).toBe('');

    const fromProvider = await runCli(['evidence', 'verify', dir], { BULWARK_KEYS_DIR: keys.dir });
    expect(fromProvider.code).toBe(0);
    expect(fromProvider.stdout).toContain(`trust      file key provider ${keys.dir}`);

    const json = await runCli([
      'evidence',
      'verify',
      dir,
      '--keyring',
      keyringFile,
      '--format',
      'json',
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      signature: { ok: true, keyId: 'evidence/v1' },
      artifacts: [{ path: SAMPLES_PATH, ok: true }],
      problems: [],
    });
  });

  it('exits 1 when bundle.json or an artifact was altered after signing', async () => {
    const { dir, keyringFile } = await signedBundle();
    writeFileSync(join(dir, SAMPLES_PATH), '[]');
    const artifact = await runCli(['evidence', 'verify', dir, '--keyring', keyringFile]);
    expect(artifact.code).toBe(1);
    expect(artifact.stdout).toMatch(/^INVALID/);
    expect(artifact.stdout).toContain(
      `${SAMPLES_PATH}: altered: its SHA-256 differs from bundle.json`,
    );

    const path = join(dir, 'bundle.json');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('"host": "test-host"', '"host": "prod-1"'),
    );
    const document = await runCli([
      'evidence',
      'verify',
      dir,
      '--keyring',
      keyringFile,
      '--format',
      'json',
    ]);
    expect(document.code).toBe(1);
    expect(JSON.parse(document.stdout).signature).toMatchObject({
      ok: false,
      code: 'digest-mismatch',
    });
  });

  it('exits 1 on a bundle signed by a key the keyring does not hold', async () => {
    const { dir } = await signedBundle();
    const other = await testKeys('release');
    const run = await runCli(['evidence', 'verify', dir], { BULWARK_KEYS_DIR: other.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('signed by evidence/v1, which is not in the trusted keyring');
  });

  it('exits 2 with one line on a corrupt bundle: garbage JSON, a missing signature, no directory', async () => {
    const { dir, keyringFile } = await signedBundle();
    rmSync(join(dir, 'bundle.sig.json'));
    expectOneLineFailure(
      await runCli(['evidence', 'verify', dir, '--keyring', keyringFile]),
      /bundle\.sig\.json is missing/,
    );
    writeFileSync(join(dir, 'bundle.json'), '{ not json');
    expectOneLineFailure(
      await runCli(['evidence', 'verify', dir, '--keyring', keyringFile]),
      /bundle\.json is not valid JSON/,
    );
    expectOneLineFailure(
      await runCli(['evidence', 'verify', join(dir, 'nope'), '--keyring', keyringFile]),
      /does not exist/,
    );
  });

  it('exits 2 on bad usage: no trusted keys, an unreadable keyring, a ledger key without a ledger', async () => {
    const { dir, keyringFile } = await signedBundle();
    expectOneLineFailure(
      await runCli(['evidence', 'verify', dir], { BULWARK_KEYS_DIR: join(tempDir(), 'empty') }),
      /cannot read trusted keys from file key provider .*does not exist/,
    );
    expectOneLineFailure(
      await runCli(['evidence', 'verify', dir, '--keyring', join(tempDir(), 'none.json')]),
      /--keyring: keyring .* does not exist/,
    );
    expectOneLineFailure(
      await runCli([
        'evidence',
        'verify',
        dir,
        '--keyring',
        keyringFile,
        '--ledger-key',
        'x+00000000+AA',
      ]),
      /--ledger-key is the key of a --ledger/,
    );
    expectOneLineFailure(
      await runCli([
        'evidence',
        'verify',
        dir,
        '--keyring',
        keyringFile,
        '--ledger',
        'http://127.0.0.1:9',
        '--ledger-key',
        'not-a-key',
      ]),
      /--ledger-key: a verifier key is <name>\+<hash>\+<key>/,
    );
  });
});
