import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReleaseError } from '../src/errors.js';
import { allComponents, parseCycloneDx, writeSbom } from '../src/sbom/index.js';

const PROJECT = new URL('./fixtures/dependencies/app/', import.meta.url);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function projectCopy(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bw-sbom-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  await cp(PROJECT, root, { recursive: true });
  return root;
}

describe('the release SBOM', () => {
  it('lists the locked packages with their package URLs, byte-identical when run again elsewhere', async () => {
    const [root, otherCheckout] = [await projectCopy(), await projectCopy()];
    const sbomIn = (dir: string) => join(dir, '.bulwark', 'release', 'sbom.cdx.json');

    const first = await writeSbom({ root, outFile: sbomIn(root), omitDev: false });
    const firstBytes = await readFile(sbomIn(root));
    // The second run is in another checkout: neither time nor place may reach the document.
    const second = await writeSbom({
      root: otherCheckout,
      outFile: sbomIn(otherCheckout),
      omitDev: false,
    });
    const secondBytes = await readFile(sbomIn(otherCheckout));

    expect(first).toMatchObject({
      check: 'sbom',
      status: 'pass',
      findings: [],
      artifacts: ['.bulwark/release/sbom.cdx.json'],
    });
    expect(first.summary).toMatch(
      /^CycloneDX 1\.6 SBOM of 3 components written to \.bulwark\/release\/sbom\.cdx\.json \(sha256 [0-9a-f]{12}…\)$/,
    );
    const components = allComponents(parseCycloneDx(firstBytes.toString('utf8'), 'sbom'));
    expect(components.map((component) => component.purl).sort()).toEqual([
      'pkg:npm/left-pad@1.3.0',
      'pkg:npm/minimist@1.2.5',
      'pkg:npm/word-wrap@1.2.3',
    ]);
    // No timestamp, no random serial number, no absolute path: the digest is the content's.
    expect(secondBytes.equals(firstBytes)).toBe(true);
    expect(second.sha256).toBe(first.sha256);
    expect(first.sha256).toBe(createHash('sha256').update(firstBytes).digest('hex'));
  });

  it('leaves devDependencies out when omitDev is set', async () => {
    const root = await projectCopy();
    const outFile = join(root, 'sbom.json');

    const result = await writeSbom({ root, outFile, omitDev: true });

    const purls = allComponents(parseCycloneDx(await readFile(outFile, 'utf8'), 'sbom')).map(
      (component) => component.purl,
    );
    expect(purls).toContain('pkg:npm/minimist@1.2.5');
    expect(purls).not.toContain('pkg:npm/left-pad@1.3.0');
    expect(result.summary).toContain('SBOM of 2 components (devDependencies omitted)');
  });

  it('fails with the tool’s own line when there is no lockfile', async () => {
    const root = await projectCopy();
    await rm(join(root, 'package-lock.json'));

    const error = await writeSbom({ root, outFile: join(root, 'sbom.json'), omitDev: false }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ReleaseError);
    expect(error).toMatchObject({
      code: 'BW_RELEASE_SBOM',
      message: 'cyclonedx-npm: No evidence: no package lock file nor npm shrinkwrap file',
    });
  });
});
