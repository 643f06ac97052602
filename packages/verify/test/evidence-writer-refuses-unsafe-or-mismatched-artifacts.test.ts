import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '@bulwark/keys';
import { describe, expect, it } from 'vitest';
import type { ArtifactRecord, PlanRun } from '../src/evidence/model.js';
import { writeBundle } from '../src/evidence/write.js';
import { SAMPLES_PATH, tempDir, testKeys, testRun } from './evidence-fixtures.js';

/** The run with its one artifact record replaced (and its content keyed by the new path). */
function withArtifact(record: Partial<ArtifactRecord>, content?: string): PlanRun {
  const run = testRun();
  const criteria = run.bundle.criteria.map((c) =>
    c.id !== 'probe-latency'
      ? c
      : {
          ...c,
          checks: c.checks.map((check) => ({
            ...check,
            artifacts: check.artifacts.map((a) => ({ ...a, ...record })),
          })),
        },
  );
  const path = record.path ?? SAMPLES_PATH;
  const original = run.artifacts.get(SAMPLES_PATH) as string;
  return {
    bundle: { ...run.bundle, criteria },
    artifacts: new Map([[path, content ?? original]]),
  };
}

describe('writeBundle refuses what would make a bundle lie or escape its directory', () => {
  const unsafe = [
    '../escape.json',
    'artifacts/../../escape.json',
    '/etc/passwd',
    'artifacts/a\\..\\b',
    'artifacts/./x',
    'artifacts//x',
    'artifacts',
    'report.html',
  ];
  for (const path of unsafe) {
    it(`refuses the artifact path ${JSON.stringify(path)} and writes nothing`, async () => {
      const keys = await testKeys();
      const root = tempDir();
      await expect(
        writeBundle(withArtifact({ path }), { root, signer: keys.signer }),
      ).rejects.toMatchObject({
        code: 'BW_BUNDLE_INVALID',
        message: expect.stringContaining('not a plain path under artifacts/'),
      });
      expect(existsSync(join(root, 'dev'))).toBe(false);
      expect(keys.audit.records).toHaveLength(0);
    });
  }

  it('refuses content whose SHA-256 is not the one listed', async () => {
    const keys = await testKeys();
    const root = tempDir();
    await expect(
      writeBundle(withArtifact({}, '{"samples":[999]}\n'), { root, signer: keys.signer }),
    ).rejects.toThrow(/does not match the size and SHA-256/);
  });

  it('refuses content of the right digest but another size', async () => {
    const keys = await testKeys();
    const run = withArtifact({ bytes: 1 });
    await expect(writeBundle(run, { root: tempDir(), signer: keys.signer })).rejects.toThrow(
      /does not match/,
    );
  });

  it('refuses an artifact listed without content, and content nothing lists', async () => {
    const keys = await testKeys();
    const run = testRun();
    await expect(
      writeBundle(
        { bundle: run.bundle, artifacts: new Map() },
        { root: tempDir(), signer: keys.signer },
      ),
    ).rejects.toThrow(/listed in the bundle but has no content/);
    const extra = new Map(run.artifacts);
    extra.set('artifacts/unlisted.txt', 'x');
    await expect(
      writeBundle(
        { bundle: run.bundle, artifacts: extra },
        { root: tempDir(), signer: keys.signer },
      ),
    ).rejects.toThrow(/artifacts\/unlisted.txt has content but no record/);
  });

  it('refuses an environment name that is not one directory level', async () => {
    const keys = await testKeys();
    const root = tempDir();
    await expect(
      writeBundle(testRun({ environment: '../prod' }), { root, signer: keys.signer }),
    ).rejects.toThrow(/cannot name a directory/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('leaves no temporary directory behind when signing fails', async () => {
    const keys = await testKeys();
    const root = tempDir();
    const failing = { ...keys.signer, sign: async () => Promise.reject(new Error('HSM gone')) };
    await expect(writeBundle(testRun(), { root, signer: failing })).rejects.toThrow('HSM gone');
    expect(readdirSync(join(root, 'dev'))).toEqual([]);
  });

  it('accepts a run whose artifact digests match (sanity of the helper above)', async () => {
    const keys = await testKeys();
    const content = '{"samples":[1]}\n';
    const run = withArtifact(
      { bytes: Buffer.byteLength(content), sha256: sha256Hex(content) },
      content,
    );
    await expect(writeBundle(run, { root: tempDir(), signer: keys.signer })).resolves.toMatchObject(
      {
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    );
  });
});
