import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '@bulwark/keys';
import { describe, expect, it } from 'vitest';
import { BUNDLE_PAYLOAD_TYPE } from '../src/evidence/model.js';
import { findBundles, readBundle, readSignature } from '../src/evidence/read.js';
import { verifyBundle } from '../src/evidence/verify.js';
import { bundleBytes, writeBundle } from '../src/evidence/write.js';
import { SAMPLES_PATH, tempDir, testKeys, testRun } from './evidence-fixtures.js';

describe('writeBundle', () => {
  it('writes bundle.json (the signed bytes), its signature and the artifacts, then verifies', async () => {
    const keys = await testKeys();
    const root = tempDir();
    const run = testRun({ id: 'abcdef1234567890', finishedAt: '2026-06-01T12:00:00.123Z' });
    const now = new Date('2026-06-01T12:00:01Z');
    const written = await writeBundle(run, { root, signer: keys.signer, now });

    expect(written.dir).toBe(join(root, 'dev', '20260601T120000.123Z-abcdef12'));
    expect(readdirSync(join(root, 'dev'))).toEqual(['20260601T120000.123Z-abcdef12']);
    const bytes = readFileSync(join(written.dir, 'bundle.json'));
    expect(Buffer.compare(bytes, bundleBytes(run.bundle))).toBe(0);
    expect(written.sha256).toBe(sha256Hex(bytes));
    expect(readFileSync(join(written.dir, SAMPLES_PATH), 'utf8')).toBe(
      run.artifacts.get(SAMPLES_PATH),
    );

    const envelope = await readSignature(written.dir);
    expect(envelope).toEqual(written.envelope);
    expect(envelope).toMatchObject({
      payloadType: BUNDLE_PAYLOAD_TYPE,
      payloadSha256: written.sha256,
      keyId: 'evidence/v1',
      signedAt: now.toISOString(),
    });
    // @bulwark/keys recorded the signature, with its purpose, before making it.
    expect(keys.audit.records).toEqual([
      expect.objectContaining({ keyId: 'evidence/v1', purpose: 'evidence-bundle' }),
    ]);

    const loaded = await readBundle(written.dir);
    expect(loaded.bundle).toEqual(run.bundle);
    expect(loaded.sha256).toBe(written.sha256);

    const verification = await verifyBundle(written.dir, { keyring: keys.keyring });
    expect(verification).toMatchObject({
      ok: true,
      signature: { ok: true, keyId: 'evidence/v1' },
      artifacts: [{ path: SAMPLES_PATH, ok: true }],
      problems: [],
    });
    expect(verification.anchor).toBeUndefined();
  });

  it('refuses to write over an existing bundle and leaves no half-written directory', async () => {
    const keys = await testKeys();
    const root = tempDir();
    const run = testRun({ id: 'same-id-twice' });
    await writeBundle(run, { root, signer: keys.signer });
    await expect(writeBundle(run, { root, signer: keys.signer })).rejects.toMatchObject({
      code: 'BW_BUNDLE_INVALID',
      message: expect.stringMatching(/already exists/),
    });
    expect(readdirSync(join(root, 'dev'))).toHaveLength(1);
  });
});

describe('findBundles', () => {
  it('lists one environment’s bundles newest first, skipping temporary and foreign directories', async () => {
    const keys = await testKeys();
    const root = tempDir();
    const times = [
      '2026-06-01T10:00:00.000Z',
      '2026-06-02T09:00:00.000Z',
      '2026-05-30T23:59:59.999Z',
    ];
    const dirs = [];
    for (const finishedAt of times) {
      dirs.push((await writeBundle(testRun({ finishedAt }), { root, signer: keys.signer })).dir);
    }
    await writeBundle(testRun({ environment: 'staging' }), { root, signer: keys.signer });
    mkdirSync(join(root, 'dev', '.tmp-20270101T000000.000Z-crashed-abc'));
    mkdirSync(join(root, 'dev', 'notes'));

    expect(await findBundles(root, 'dev')).toEqual([dirs[1], dirs[0], dirs[2]]);
    expect(await findBundles(root, 'staging')).toHaveLength(1);
    expect(await findBundles(root, 'prod')).toEqual([]);
    expect(await findBundles(join(root, 'nowhere'), 'dev')).toEqual([]);
  });
});
