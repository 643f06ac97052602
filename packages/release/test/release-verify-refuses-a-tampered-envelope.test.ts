import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signDsse, verifyRelease } from '../src/attestation/index.js';
import { approveRelease } from '../src/signoff/index.js';
import { NOW, releaseScene, sign, trustOf, VERSION } from './attestation-fixtures.js';

describe('a tampered attestation', () => {
  it('fails when the statement in the payload was changed after signing', async () => {
    const scene = await releaseScene();
    const { file } = await sign(scene);
    for (const [role, key] of [
      ['security', 'security-lead'],
      ['release-manager', 'release-manager'],
    ] as const) {
      await approveRelease({
        attestationFile: file,
        role,
        signer: scene.approvers.signers[key]!,
        outDir: scene.outDir,
        now: NOW,
      });
    }
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    // Point the release at a different tarball digest, keeping the signature.
    statement.subject[0].digest.sha256 = 'f'.repeat(64);
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(file, `${JSON.stringify(envelope)}\n`);

    const result = await verifyRelease({ ...trustOf(scene), attestationFile: file });
    expect(result.ok).toBe(false);
    expect(result.version).toBe(VERSION);
    expect(result.problems).toContainEqual({
      code: 'bad-signature',
      message: `release-${VERSION}.intoto.jsonl: the signature by release/v1 does not verify (the attestation was altered after signing, or another key signed it)`,
    });
    // The approvals were for the bytes before the change, so none of them counts either.
    expect(result.approvals).toEqual([]);
    expect(result.problems.filter((p) => p.code === 'approval-refused')).toHaveLength(2);
  });

  it('reports a file that is not an envelope or holds no release statement, and throws only for a missing path', async () => {
    const scene = await releaseScene();
    const { file } = await sign(scene);
    const trust = { ...trustOf(scene), roles: {}, attestationFile: file };

    writeFileSync(
      file,
      `${JSON.stringify({
        payloadType: 'application/vnd.in-toto+json',
        payload: 7,
        signatures: [{ keyid: 'release/v1', sig: 'AAAA' }],
      })}\n`,
    );
    expect(await verifyRelease(trust)).toMatchObject({
      ok: false,
      problems: [
        {
          code: 'attestation-malformed',
          message: `release-${VERSION}.intoto.jsonl is not a DSSE envelope: /payload must be string`,
        },
      ],
    });
    writeFileSync(file, 'not json at all');
    expect((await verifyRelease(trust)).problems[0]?.code).toBe('attestation-malformed');

    // Signed by the release key, but over something that is not a release statement.
    const notAStatement = await signDsse(
      scene.release.signers.release!,
      'application/vnd.in-toto+json',
      Buffer.from('{"_type":"https://in-toto.io/Statement/v1","subject":[]}'),
      'test',
    );
    writeFileSync(file, `${JSON.stringify(notAStatement)}\n`);
    const invalid = await verifyRelease(trust);
    expect(invalid.checked.signedBy).toBe('release/v1');
    expect(invalid.version).toBeUndefined();
    expect(invalid.problems).toEqual([
      {
        code: 'statement-invalid',
        message: `release-${VERSION}.intoto.jsonl does not hold a release statement: / must have required property 'predicateType'`,
      },
    ]);

    await expect(
      verifyRelease({
        ...trust,
        attestationFile: join(scene.outDir, 'release-9.9.9.intoto.jsonl'),
      }),
    ).rejects.toMatchObject({
      name: 'ReleaseError',
      code: 'BW_RELEASE_ATTESTATION',
      message: expect.stringMatching(
        /^cannot read attestation .*release-9\.9\.9\.intoto\.jsonl: ENOENT$/,
      ),
    });
  });
});
