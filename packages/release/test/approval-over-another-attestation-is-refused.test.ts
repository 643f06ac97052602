import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signRelease, verifyRelease } from '../src/attestation/index.js';
import { approveRelease } from '../src/signoff/index.js';
import { NOW, releaseScene, sign, trustOf, VERSION } from './attestation-fixtures.js';

describe('an approval made for another attestation', () => {
  it('is refused when copied beside this one, even for the same version', async () => {
    const scene = await releaseScene();
    // The attestation the approvers actually approved, in a directory of its own.
    const approvedDir = join(scene.dir, 'approved');
    const approved = await signRelease({
      version: VERSION,
      commit: scene.commit,
      treeHash: scene.treeHash,
      tarballs: scene.tarballs,
      sbom: scene.sbom,
      signer: scene.release.signers.release!,
      outDir: approvedDir,
      now: new Date(NOW.getTime() - 3_600_000),
    });
    const approvals = [];
    for (const [role, key] of [
      ['security', 'security-lead'],
      ['release-manager', 'release-manager'],
    ] as const) {
      approvals.push(
        await approveRelease({
          attestationFile: approved.file,
          role,
          signer: scene.approvers.signers[key]!,
          outDir: approvedDir,
          now: NOW,
        }),
      );
    }
    expect(
      await verifyRelease({ ...trustOf(scene), attestationFile: approved.file }),
    ).toMatchObject({
      ok: true,
    });

    // A later attestation of the same version (same file name), with those approvals copied in.
    const { file, digest } = await sign(scene);
    expect(basename(file)).toBe(basename(approved.file));
    mkdirSync(join(scene.outDir, 'approvals'));
    for (const a of approvals)
      copyFileSync(a.file, join(scene.outDir, 'approvals', basename(a.file)));

    const result = await verifyRelease({ ...trustOf(scene), attestationFile: file });
    expect(result.ok).toBe(false);
    expect(result.approvals).toEqual([]);
    expect(result.checked.digest).toBe(digest);
    const other = `approves another attestation (${basename(file)}, sha256 ${approved.digest})`;
    expect(result.problems).toEqual([
      {
        code: 'approval-refused',
        message: `approvals/release-manager-release-manager-v1.json ${other}`,
      },
      { code: 'approval-refused', message: `approvals/security-security-lead-v1.json ${other}` },
      {
        code: 'approvals-missing',
        message: '0 of 2 required role approvals; still needed: release-manager, security',
      },
    ]);
  });
});
