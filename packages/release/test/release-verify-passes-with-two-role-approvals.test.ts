import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyRelease } from '../src/attestation/index.js';
import { approveRelease } from '../src/signoff/index.js';
import { NOW, releaseScene, sign, trustOf, VERSION } from './attestation-fixtures.js';

describe('verifyRelease', () => {
  it('passes a release signed by a trusted key and approved by both required roles', async () => {
    const scene = await releaseScene();
    const { file, digest } = await sign(scene);
    const security = await approveRelease({
      attestationFile: file,
      role: 'security',
      signer: scene.approvers.signers['security-lead']!,
      outDir: scene.outDir,
      now: NOW,
    });
    await approveRelease({
      attestationFile: file,
      role: 'release-manager',
      signer: scene.approvers.signers['release-manager']!,
      outDir: scene.outDir,
      now: NOW,
    });
    expect(security).toEqual({
      file: join(scene.outDir, 'approvals', 'security-security-lead-v1.json'),
      version: VERSION,
    });
    expect(readdirSync(join(scene.outDir, 'approvals')).sort()).toEqual([
      'release-manager-release-manager-v1.json',
      'security-security-lead-v1.json',
    ]);
    expect(scene.approvers.audit.records.map((r) => r.purpose)).toEqual([
      'release-approval',
      'release-approval',
    ]);

    const result = await verifyRelease({
      ...trustOf(scene),
      attestationFile: file,
      tarballDir: scene.tarballDir,
      required: 2,
    });
    expect(result).toEqual({
      ok: true,
      version: VERSION,
      problems: [],
      approvals: [
        { role: 'release-manager', keyId: 'release-manager/v1' },
        { role: 'security', keyId: 'security-lead/v1' },
      ],
      checked: {
        attestation: file,
        digest,
        signedBy: 'release/v1',
        subjects: 2,
        tarballsMatched: 2,
        approvedRoles: ['release-manager', 'security'],
        requiredRoles: 2,
        at: NOW.toISOString(),
      },
    });
  });
});
