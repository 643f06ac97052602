import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { ReleaseCheckResult } from '../model.js';
import { allComponents, parseCycloneDx } from './cyclonedx-document.js';
import { runCycloneDxNpm } from './cyclonedx-npm.js';

export interface WriteSbomOptions {
  /** The repository root (package.json, package-lock.json). */
  readonly root: string;
  /** Where the SBOM goes, absolute; its directory is created. */
  readonly outFile: string;
  /** Leave devDependencies out (they do not ship). */
  readonly omitDev: boolean;
}

/**
 * Writes the release's SBOM (check `sbom`): CycloneDX JSON from the lockfile, byte-identical for
 * the same lockfile and tools, with the digest the attestation names. A tool that fails or
 * writes something that is not a CycloneDX SBOM is ReleaseError BW_RELEASE_SBOM.
 */
export async function writeSbom(
  options: WriteSbomOptions,
): Promise<ReleaseCheckResult & { readonly sha256: string }> {
  const displayPath = relative(options.root, options.outFile) || options.outFile;
  // A previous run's SBOM must not pass for this one's if the tool writes nothing.
  await rm(options.outFile, { force: true });
  await mkdir(dirname(options.outFile), { recursive: true });
  await runCycloneDxNpm(options);
  const bytes = await readFile(options.outFile);
  const document = parseCycloneDx(bytes.toString('utf8'), displayPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const count = allComponents(document).length;
  return {
    check: 'sbom',
    status: 'pass',
    summary: `CycloneDX ${document.specVersion} SBOM of ${count} components${
      options.omitDev ? ' (devDependencies omitted)' : ''
    } written to ${displayPath} (sha256 ${sha256.slice(0, 12)}…)`,
    findings: [],
    artifacts: [displayPath],
    sha256,
  };
}
