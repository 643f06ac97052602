import { describe, expect, it } from 'vitest';
import { verifyRelease } from '../src/attestation/index.js';
import { approveRelease } from '../src/signoff/index.js';
import { NOW, releaseScene, sign, trustOf } from './attestation-fixtures.js';

describe('verifyRelease sign-off count', () => {
  it('fails naming the role still needed, and counts one role once however many keys approve', async () => {
    const scene = await releaseScene();
    const { file } = await sign(scene);

    const none = await verifyRelease({ ...trustOf(scene), attestationFile: file });
    expect(none.ok).toBe(false);
    expect(none.problems).toEqual([
      {
        code: 'approvals-missing',
        message: '0 of 2 required role approvals; still needed: release-manager, security',
      },
    ]);

    await approveRelease({
      attestationFile: file,
      role: 'security',
      signer: scene.approvers.signers['security-lead']!,
      outDir: scene.outDir,
      now: NOW,
    });
    // Approving twice with the same key does not make a second role.
    await approveRelease({
      attestationFile: file,
      role: 'security',
      signer: scene.approvers.signers['security-lead']!,
      outDir: scene.outDir,
      now: new Date(NOW.getTime() + 60_000),
    });
    const one = await verifyRelease({ ...trustOf(scene), attestationFile: file, required: 2 });
    expect(one.ok).toBe(false);
    expect(one.approvals).toEqual([{ role: 'security', keyId: 'security-lead/v1' }]);
    expect(one.problems).toEqual([
      {
        code: 'approvals-missing',
        message: '1 of 2 required role approvals; still needed: release-manager',
      },
    ]);

    // m of n: one of the two roles is enough when only one is required.
    const oneOfTwo = await verifyRelease({ ...trustOf(scene), attestationFile: file, required: 1 });
    expect(oneOfTwo).toMatchObject({ ok: true, problems: [] });
  });
});
