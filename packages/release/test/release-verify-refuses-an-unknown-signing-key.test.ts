import { describe, expect, it } from 'vitest';
import { signRelease, verifyRelease } from '../src/attestation/index.js';
import { keystore, NOW, releaseScene, trustOf, VERSION } from './attestation-fixtures.js';

describe('an attestation signed by a key the verifier does not trust', () => {
  it('fails naming the key, even when the approvers approved it', async () => {
    const scene = await releaseScene();
    const rogue = await keystore('rogue-release');
    const { file } = await signRelease({
      version: VERSION,
      commit: scene.commit,
      treeHash: scene.treeHash,
      tarballs: scene.tarballs,
      sbom: scene.sbom,
      signer: rogue.signers['rogue-release']!,
      outDir: scene.outDir,
      now: NOW,
    });
    const result = await verifyRelease({ ...trustOf(scene), attestationFile: file, roles: {} });
    expect(result.ok).toBe(false);
    expect(result.checked.signedBy).toBeUndefined();
    expect(result.problems).toEqual([
      {
        code: 'untrusted-key',
        message: `release-${VERSION}.intoto.jsonl is signed by rogue-release/v1, which is not a trusted release key`,
      },
    ]);

    // An approver key is not a release key either.
    const approverSigned = await signRelease({
      version: '1.4.1',
      commit: scene.commit,
      treeHash: scene.treeHash,
      tarballs: scene.tarballs,
      sbom: scene.sbom,
      signer: scene.approvers.signers['release-manager']!,
      outDir: scene.outDir,
      now: NOW,
    });
    const second = await verifyRelease({
      ...trustOf(scene),
      attestationFile: approverSigned.file,
      roles: {},
    });
    expect(second.problems.map((p) => p.code)).toEqual(['untrusted-key']);
  });
});
