import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublicKeyring } from '@bulwark/keys';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../src/evidence/verify.js';
import { writeBundle } from '../src/evidence/write.js';
import { SAMPLES_PATH, tempDir, testKeys, testRun } from './evidence-fixtures.js';

async function freshBundle() {
  const keys = await testKeys();
  const { dir } = await writeBundle(testRun(), { root: tempDir(), signer: keys.signer });
  return { keys, dir };
}

describe('verifyBundle', () => {
  it('reports bundle.json edited after signing (still valid JSON) as altered', async () => {
    const { keys, dir } = await freshBundle();
    const path = join(dir, 'bundle.json');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('"verdict": "pass"', '"verdict": "waived"'),
    );
    const result = await verifyBundle(dir, { keyring: keys.keyring });
    expect(result.ok).toBe(false);
    expect(result.signature).toMatchObject({ ok: false, code: 'digest-mismatch' });
    expect(result.problems).toEqual([
      expect.stringMatching(/^bundle\.json: .*altered after signing/),
    ]);
  });

  it('reports a signature made by another key under the same key id as bad', async () => {
    const { keys, dir } = await freshBundle();
    const impostor = await testKeys(); // also evidence/v1, another key pair
    const forged = await writeBundle(testRun(), { root: tempDir(), signer: impostor.signer });
    const result = await verifyBundle(forged.dir, { keyring: keys.keyring });
    expect(result.signature).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(result.ok).toBe(false);
    expect((await verifyBundle(dir, { keyring: keys.keyring })).ok).toBe(true);
  });

  it('reports a signing key the keyring does not hold as unknown', async () => {
    const { dir } = await freshBundle();
    const other = await testKeys('release');
    const result = await verifyBundle(dir, { keyring: other.keyring });
    expect(result.signature).toMatchObject({ ok: false, code: 'unknown-key' });
    const empty = await verifyBundle(dir, { keyring: new PublicKeyring() });
    expect(empty.problems).toEqual([
      expect.stringMatching(/evidence\/v1, which is not in the trusted keyring/),
    ]);
  });

  it('reports an altered artifact while the signature itself stays valid', async () => {
    const { keys, dir } = await freshBundle();
    writeFileSync(join(dir, SAMPLES_PATH), '{"samples":[1,1,1]}\n');
    const result = await verifyBundle(dir, { keyring: keys.keyring });
    expect(result.signature.ok).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.artifacts).toEqual([
      { path: SAMPLES_PATH, ok: false, problem: 'altered: its SHA-256 differs from bundle.json' },
    ]);
  });

  it('reports a missing artifact and an extra, unlisted file', async () => {
    const { keys, dir } = await freshBundle();
    rmSync(join(dir, SAMPLES_PATH));
    mkdirSync(join(dir, 'artifacts', 'planted'), { recursive: true });
    writeFileSync(join(dir, 'artifacts', 'planted', 'proof.txt'), 'all good');
    const result = await verifyBundle(dir, { keyring: keys.keyring });
    expect(result.ok).toBe(false);
    expect(result.artifacts).toEqual([
      { path: SAMPLES_PATH, ok: false, problem: 'missing' },
      {
        path: 'artifacts/planted/proof.txt',
        ok: false,
        problem: 'extra file, not listed in bundle.json',
      },
    ]);
    expect(result.problems).toHaveLength(2);
  });

  it('does not follow a symbolic link put in place of an artifact', async () => {
    const { keys, dir } = await freshBundle();
    const elsewhere = join(tempDir(), 'samples.json');
    writeFileSync(elsewhere, readFileSync(join(dir, SAMPLES_PATH)));
    rmSync(join(dir, SAMPLES_PATH));
    symlinkSync(elsewhere, join(dir, SAMPLES_PATH));
    const result = await verifyBundle(dir, { keyring: keys.keyring });
    expect(result.artifacts[0]).toMatchObject({
      ok: false,
      problem: 'a symbolic link, not a file',
    });
  });

  it('ignores renderings beside the evidence (report.html is not signed evidence)', async () => {
    const { keys, dir } = await freshBundle();
    writeFileSync(join(dir, 'report.html'), '<html></html>');
    expect((await verifyBundle(dir, { keyring: keys.keyring })).ok).toBe(true);
  });
});
