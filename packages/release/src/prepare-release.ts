import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Verifier } from '@bulwark/keys';
import { readBundle } from '@bulwark/verify';
import type { ReleaseConfig } from './config/schema.js';
import { ReleaseError } from './errors.js';
import { decideReleaseGate } from './evidence/index.js';
import { sourceOf } from './git.js';
import { type PackedTarball, packWorkspaces, releasedWorkspaces } from './pack/index.js';
import { writeSbom } from './sbom/index.js';

/** Everything an attestation is made over, gathered in one release directory. */
export interface ReleaseInputs {
  readonly version: string;
  readonly commit: string;
  readonly treeHash: string;
  /** `<outDir>/v<version>`: tarballs/, the SBOM, the attestation and approvals/. */
  readonly dir: string;
  readonly tarballs: readonly PackedTarball[];
  readonly sbom: { readonly file: string; readonly sha256: string };
  readonly evidence?: { readonly bundleDir: string; readonly sha256: string };
}

export interface PrepareReleaseOptions {
  readonly root: string;
  readonly config: ReleaseConfig;
  /** The keys evidence must be signed with; without them no evidence is attested. */
  readonly evidenceKeys?: Verifier;
  readonly now?: Date;
}

/** The one version every released workspace shares (the version check enforces lockstep). */
export async function releaseVersion(root: string, patterns: readonly string[]): Promise<string> {
  const versions = new Set((await releasedWorkspaces(root, patterns)).map((w) => w.version));
  const [version] = versions;
  if (versions.size !== 1 || !version) {
    throw new ReleaseError(
      'BW_RELEASE_CONFIG',
      versions.size === 0
        ? `no released workspace matches ${patterns.join(', ')}`
        : `released workspaces disagree on the version (${[...versions].join(', ')})`,
    );
  }
  return version;
}

/**
 * Packs the released workspaces, writes the SBOM and finds the evidence the release gate
 * passed on, all under `<outDir>/v<version>`: what `release sign` attests. The evidence is the
 * bundle the configured gate decides on; a gate that says no-go stops the release here.
 */
export async function prepareRelease(options: PrepareReleaseOptions): Promise<ReleaseInputs> {
  const { root, config } = options;
  const version = await releaseVersion(root, config.packages);
  const { commit, tree } = await sourceOf(root);
  const dir = join(resolve(root, config.outDir), `v${version}`);
  const tarballDir = join(dir, 'tarballs');
  // A previous run's tarballs are not this commit's: start from an empty directory.
  await rm(tarballDir, { recursive: true, force: true });
  await mkdir(tarballDir, { recursive: true });
  const tarballs = await packWorkspaces({
    root,
    patterns: config.packages,
    destination: tarballDir,
  });
  const sbomFile = join(dir, 'sbom.cdx.json');
  const sbom = await writeSbom({ root, outFile: sbomFile, omitDev: config.dependencies.omitDev });
  const evidence = options.evidenceKeys
    ? await gatedEvidence(root, config, options.evidenceKeys, options.now ?? new Date())
    : undefined;
  return {
    version,
    commit,
    treeHash: tree,
    dir,
    tarballs,
    sbom: { file: sbomFile, sha256: sbom.sha256 },
    ...(evidence ? { evidence } : {}),
  };
}

async function gatedEvidence(
  root: string,
  config: ReleaseConfig,
  keyring: Verifier,
  now: Date,
): Promise<{ bundleDir: string; sha256: string }> {
  const decision = await decideReleaseGate({
    root,
    planFile: config.evidence.plan,
    gate: config.evidence.gate,
    evidenceDir: config.evidence.dir,
    keyring,
    now,
  });
  if (!decision.ok || !decision.bundle) {
    const reason = decision.blockers[0]?.message ?? 'no evidence';
    throw new ReleaseError(
      'BW_RELEASE_BLOCKED',
      `gate ${config.evidence.gate} says no-go: ${reason}`,
    );
  }
  const loaded = await readBundle(decision.bundle.dir);
  return { bundleDir: decision.bundle.dir, sha256: loaded.sha256 };
}
