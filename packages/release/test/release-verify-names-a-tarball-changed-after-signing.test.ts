import { appendFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyRelease } from '../src/attestation/index.js';
import { releaseScene, sign, trustOf } from './attestation-fixtures.js';

describe('verifyRelease with the tarballs', () => {
  it('names a tarball changed after signing and one that is missing', async () => {
    const scene = await releaseScene();
    const { file } = await sign(scene);
    const trust = {
      ...trustOf(scene),
      roles: {},
      attestationFile: file,
      tarballDir: scene.tarballDir,
    };
    expect(await verifyRelease(trust)).toMatchObject({ ok: true, checked: { tarballsMatched: 2 } });

    const [kit, keys] = scene.tarballs;
    appendFileSync(kit!.file, 'one more byte');
    const changed = await verifyRelease(trust);
    expect(changed.ok).toBe(false);
    expect(changed.checked.tarballsMatched).toBe(1);
    expect(changed.problems).toEqual([
      {
        code: 'tarball-changed',
        message: expect.stringMatching(
          new RegExp(
            `^bulwark-kit-1\\.4\\.0\\.tgz changed after signing \\(sha256 [0-9a-f]{64}, attested ${kit!.sha256}\\)$`,
          ),
        ),
      },
    ]);

    rmSync(keys!.file);
    const missing = await verifyRelease(trust);
    expect(missing.problems.map((p) => p.code)).toEqual(['tarball-missing', 'tarball-changed']);
    expect(missing.problems[0]?.message).toBe(
      `bulwark-keys-1.4.0.tgz is missing from ${scene.tarballDir}`,
    );
  });
});
