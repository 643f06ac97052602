import { describe, expect, it } from 'vitest';
import { verifyRelease } from '../src/attestation/index.js';
import { approveRelease } from '../src/signoff/index.js';
import { keystore, NOW, releaseScene, sign, trustOf } from './attestation-fixtures.js';

describe('an approval signed by a key the role does not list', () => {
  it('does not count, and the refusal names the key and the role', async () => {
    const scene = await releaseScene();
    const { file } = await sign(scene);
    await approveRelease({
      attestationFile: file,
      role: 'security',
      signer: scene.approvers.signers['security-lead']!,
      outDir: scene.outDir,
      now: NOW,
    });
    // A trusted approver key, but listed for no role: it claims release-manager.
    await approveRelease({
      attestationFile: file,
      role: 'release-manager',
      signer: scene.approvers.signers.intern!,
      outDir: scene.outDir,
      now: NOW,
    });
    // A key from outside the approvers' keyring altogether.
    const stranger = await keystore('release-manager');
    await approveRelease({
      attestationFile: file,
      role: 'release-manager',
      signer: stranger.signers['release-manager']!,
      outDir: scene.outDir,
      now: NOW,
    });

    const result = await verifyRelease({ ...trustOf(scene), attestationFile: file, required: 2 });
    expect(result.ok).toBe(false);
    expect(result.approvals).toEqual([{ role: 'security', keyId: 'security-lead/v1' }]);
    expect(result.problems).toEqual([
      {
        code: 'approval-refused',
        message:
          'approvals/release-manager-intern-v1.json is signed by intern/v1, which may not approve as release-manager',
      },
      {
        code: 'approval-refused',
        // Same key id as the real release manager, different key: the signature does not verify.
        message:
          'approvals/release-manager-release-manager-v1.json has a signature by release-manager/v1 that does not verify',
      },
      {
        code: 'approvals-missing',
        message: '1 of 2 required role approvals; still needed: release-manager',
      },
    ]);
  });

  it('refuses to sign an approval for something that is not a role name or not an attestation', async () => {
    const scene = await releaseScene();
    const { file } = await sign(scene);
    await expect(
      approveRelease({
        attestationFile: file,
        role: '../security',
        signer: scene.approvers.signers['security-lead']!,
        outDir: scene.outDir,
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'BW_RELEASE_APPROVAL', message: /is not a role name/ });
    await expect(
      approveRelease({
        attestationFile: scene.sbom.file,
        role: 'security',
        signer: scene.approvers.signers['security-lead']!,
        outDir: scene.outDir,
        now: NOW,
      }),
    ).rejects.toMatchObject({
      code: 'BW_RELEASE_APPROVAL',
      message: /^sbom\.cdx\.json is not a DSSE envelope/,
    });
    await expect(
      approveRelease({
        attestationFile: `${scene.outDir}/nothing.intoto.jsonl`,
        role: 'security',
        signer: scene.approvers.signers['security-lead']!,
        outDir: scene.outDir,
        now: NOW,
      }),
    ).rejects.toMatchObject({
      code: 'BW_RELEASE_APPROVAL',
      message: /cannot read attestation .*: ENOENT$/,
    });
    expect(scene.approvers.audit.records).toEqual([]);
  });
});
