import { createPublicKey, verify } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256Hex } from '@bulwark/keys';
import { describe, expect, it } from 'vitest';
import { signRelease } from '../src/attestation/index.js';
import { NOW, releaseScene, sign, VERSION } from './attestation-fixtures.js';

/** PAE as the DSSE specification defines it, written out here rather than taken from @bulwark/keys. */
function dssePae(type: string, body: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `),
    body,
  ]);
}

describe('signRelease', () => {
  it('writes one DSSE line whose payload is the in-toto statement, verifiable with node:crypto alone', async () => {
    const scene = await releaseScene();
    const signed = await sign(scene);

    expect(signed.file).toBe(join(scene.outDir, `release-${VERSION}.intoto.jsonl`));
    const bytes = readFileSync(signed.file);
    expect(signed.digest).toBe(sha256Hex(bytes));
    const text = bytes.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    // Atomic write: no temporary file is left beside it.
    expect(readdirSync(scene.outDir)).toEqual([basename(signed.file)]);

    const envelope = JSON.parse(text);
    expect(Object.keys(envelope).sort()).toEqual(['payload', 'payloadType', 'signatures']);
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(envelope.signatures).toEqual([{ keyid: 'release/v1', sig: expect.any(String) }]);

    const payload = Buffer.from(envelope.payload, 'base64');
    const statement = JSON.parse(payload.toString('utf8'));
    expect(statement).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        { name: 'bulwark-keys-1.4.0.tgz', digest: { sha256: scene.tarballs[1]?.sha256 } },
        { name: 'bulwark-kit-1.4.0.tgz', digest: { sha256: scene.tarballs[0]?.sha256 } },
      ],
      predicateType: 'https://bulwark.dev/attestations/release/v1',
      predicate: {
        version: VERSION,
        commit: scene.commit,
        sourceTree: { gitTree: scene.treeHash },
        sbom: { name: 'sbom.cdx.json', sha256: scene.sbom.sha256 },
        builtAt: NOW.toISOString(),
      },
    });

    // Interoperability: any DSSE verifier holding the raw Ed25519 key accepts the signature.
    const publicKey = createPublicKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from(scene.release.signers.release?.publicKey ?? []).toString('base64url'),
      },
      format: 'jwk',
    });
    const sig = Buffer.from(envelope.signatures[0].sig, 'base64');
    const pae = dssePae(envelope.payloadType, payload);
    expect(verify(null, pae, publicKey, sig)).toBe(true);
    expect(verify(null, dssePae('application/json', payload), publicKey, sig)).toBe(false);

    // The signature went through the audited Signer, with its purpose.
    expect(scene.release.audit.records).toEqual([
      expect.objectContaining({ keyId: 'release/v1', purpose: 'release-attestation' }),
    ]);
  });

  it('records the evidence bundle when given, and refuses a tarball changed since it was packed', async () => {
    const scene = await releaseScene();
    const evidence = {
      bundleDir: join(scene.dir, 'evidence', 'dev', '20260701T090000.000Z-abc'),
      sha256: 'e'.repeat(64),
    };
    const signed = await signRelease({
      version: VERSION,
      commit: scene.commit,
      treeHash: scene.treeHash,
      tarballs: scene.tarballs,
      sbom: scene.sbom,
      evidence,
      signer: scene.release.signers.release!,
      outDir: scene.outDir,
      now: NOW,
    });
    const envelope = JSON.parse(readFileSync(signed.file, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement.predicate.evidence).toEqual({
      bundle: '20260701T090000.000Z-abc',
      sha256: evidence.sha256,
    });

    writeFileSync(scene.tarballs[0]!.file, 'swapped after packing\n');
    await expect(sign(scene)).rejects.toMatchObject({
      name: 'ReleaseError',
      code: 'BW_RELEASE_ATTESTATION',
      message: 'tarball bulwark-kit-1.4.0.tgz changed after it was packed (its SHA-256 differs)',
    });
    await expect(
      signRelease({
        version: '../1.4.0',
        commit: scene.commit,
        treeHash: scene.treeHash,
        tarballs: scene.tarballs,
        sbom: scene.sbom,
        signer: scene.release.signers.release!,
        outDir: scene.outDir,
        now: NOW,
      }),
    ).rejects.toMatchObject({
      code: 'BW_RELEASE_ATTESTATION',
      message: /is not a release version/,
    });
  });
});
