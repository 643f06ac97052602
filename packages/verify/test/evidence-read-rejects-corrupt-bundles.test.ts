import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleError } from '../src/evidence/errors.js';
import { readAnchor, readBundle, readSignature } from '../src/evidence/read.js';
import { verifyBundle } from '../src/evidence/verify.js';
import { writeBundle } from '../src/evidence/write.js';
import { tempDir, testKeys, testRun } from './evidence-fixtures.js';

async function bundleDir(): Promise<{ dir: string; keys: Awaited<ReturnType<typeof testKeys>> }> {
  const keys = await testKeys();
  const { dir } = await writeBundle(testRun(), { root: tempDir(), signer: keys.signer });
  return { dir, keys };
}

/** The error is a BundleError, one line, naming `file`. */
async function expectCorrupt(promise: Promise<unknown>, file: string, detail: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleError);
  const { code, message } = error as BundleError;
  expect(code).toBe('BW_BUNDLE_CORRUPT');
  expect(message.split('\n')).toHaveLength(1);
  expect(message).toContain(file);
  expect(message).toMatch(detail);
}

describe('reading a corrupt bundle is one BW_BUNDLE_CORRUPT line naming the file', () => {
  it('garbage bundle.json', async () => {
    const { dir, keys } = await bundleDir();
    writeFileSync(join(dir, 'bundle.json'), '{"format": "bulwark.evidence/v1", \n garbage');
    await expectCorrupt(readBundle(dir), join(dir, 'bundle.json'), /is not valid JSON/);
    await expectCorrupt(
      verifyBundle(dir, { keyring: keys.keyring }),
      'bundle.json',
      /not valid JSON/,
    );
  });

  it('bundle.json of another format', async () => {
    const { dir } = await bundleDir();
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ format: 'bulwark.evidence/v0' }));
    await expectCorrupt(
      readBundle(dir),
      'bundle.json',
      /is not a bulwark\.evidence\/v1 document \(format "bulwark\.evidence\/v0"\)/,
    );
  });

  it('bundle.json missing a required field, or with an unknown verdict', async () => {
    const { dir } = await bundleDir();
    const bundle = testRun().bundle;
    const { summary: _dropped, ...withoutSummary } = bundle;
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(withoutSummary));
    await expectCorrupt(readBundle(dir), 'bundle.json', /must have required property 'summary'/);
    const badVerdict = { ...bundle, criteria: [{ ...bundle.criteria[0], verdict: 'great' }] };
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(badVerdict));
    await expectCorrupt(
      readBundle(dir),
      'bundle.json',
      /\/criteria\/0\/verdict must be equal to one of the allowed values \(pass, fail/,
    );
  });

  it('a missing or unparseable signature file', async () => {
    const { dir, keys } = await bundleDir();
    writeFileSync(join(dir, 'bundle.sig.json'), 'not json');
    await expectCorrupt(readSignature(dir), 'bundle.sig.json', /not valid JSON/);
    writeFileSync(join(dir, 'bundle.sig.json'), '[1, 2]');
    await expectCorrupt(
      readSignature(dir),
      'bundle.sig.json',
      /is not a bulwark\.signature\/v1 document/,
    );
    writeFileSync(join(dir, 'bundle.sig.json'), '{"format":"bulwark.signature/v1"}');
    await expectCorrupt(readSignature(dir), 'bundle.sig.json', /must have required property/);
    rmSync(join(dir, 'bundle.sig.json'));
    await expectCorrupt(
      verifyBundle(dir, { keyring: keys.keyring }),
      'bundle.sig.json',
      /is missing/,
    );
  });

  it('a bundle directory that does not exist, or is a file', async () => {
    const missing = join(tempDir(), 'no-such-bundle');
    await expectCorrupt(readBundle(missing), missing, /does not exist/);
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    await expectCorrupt(readBundle(file), file, /is not a directory/);
  });

  it('an unreadable anchor.json, while a missing one is simply no anchor', async () => {
    const { dir } = await bundleDir();
    expect(await readAnchor(dir)).toBeUndefined();
    const anchor = {
      ledgerUrl: 'http://x',
      seq: 0,
      entryHash: 'a'.repeat(64),
      time: '2026-06-01T00:00:00Z',
      bundleSha256: 'b'.repeat(64),
    };
    writeFileSync(join(dir, 'anchor.json'), JSON.stringify(anchor));
    await expectCorrupt(readAnchor(dir), 'anchor.json', /\/seq must be >= 1/);
  });
});
