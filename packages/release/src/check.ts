import { join, resolve } from 'node:path';
import type { Verifier } from '@bulwark/keys';
import type { ReleaseConfig } from './config/schema.js';
import { scanDependencies } from './dependencies/index.js';
import { ReleaseError } from './errors.js';
import { checkEvidenceGate } from './evidence/index.js';
import { checkImagePinning } from './images/index.js';
import { RELEASE_CHECKS, type ReleaseCheckName, type ReleaseCheckResult } from './model.js';
import { writeSbom } from './sbom/index.js';
import { scanSecrets } from './secrets/index.js';
import { checkTree, checkVersion } from './tree/index.js';

export interface ReleaseCheckOptions {
  /** The repository root. */
  readonly root: string;
  readonly config: ReleaseConfig;
  /** Run only these checks; every check by default. */
  readonly only?: readonly ReleaseCheckName[];
  /** The keys evidence must be signed with; needed only by the `evidence` check. */
  readonly evidenceKeys?: Verifier;
  /** Release without the advisory scan when the advisory service cannot be asked (a warning). */
  readonly allowUnreachableAdvisories?: boolean;
  /** Breaking API changes found elsewhere (`bulwark contract diff`): they need a major bump. */
  readonly breakingChanges?: readonly { readonly source: string; readonly message: string }[];
  readonly now?: Date;
  /** Called as each check starts, for progress output. */
  readonly onCheck?: (check: ReleaseCheckName) => void;
}

export interface ReleaseCheckReport {
  /** True when no check failed (warnings do not block). */
  readonly ok: boolean;
  readonly results: readonly ReleaseCheckResult[];
}

/** The SBOM `release check` writes, relative to the config's outDir. */
export const SBOM_FILE = 'sbom.cdx.json';

/**
 * Gates a release candidate: runs each check in the documented order and collects every result,
 * so one run lists everything to fix. A check that cannot run at all (not a git repository, an
 * unreadable waivers file) throws ReleaseError; one that runs and finds problems fails.
 */
export async function runReleaseCheck(options: ReleaseCheckOptions): Promise<ReleaseCheckReport> {
  const { root, config } = options;
  const now = options.now ?? new Date();
  const at = (path: string) => resolve(root, path);
  const runners: Record<ReleaseCheckName, () => Promise<ReleaseCheckResult>> = {
    tree: () => checkTree({ root, branches: config.branches, tags: config.tags }),
    version: () =>
      checkVersion({
        root,
        tags: config.tags,
        packages: config.packages,
        ...(options.breakingChanges ? { breakingChanges: options.breakingChanges } : {}),
      }),
    secrets: () =>
      scanSecrets({
        root,
        baselineFile: at(config.secrets.baseline),
        history: config.secrets.history,
        exclude: config.secrets.exclude,
        now,
      }),
    dependencies: () =>
      scanDependencies({
        root,
        waiversFile: at(config.dependencies.waivers),
        failOn: config.dependencies.failOn,
        omitDev: config.dependencies.omitDev,
        ...(config.dependencies.registry ? { registry: config.dependencies.registry } : {}),
        allowUnreachable: options.allowUnreachableAdvisories ?? false,
        now,
      }),
    sbom: () =>
      writeSbom({
        root,
        outFile: join(at(config.outDir), SBOM_FILE),
        omitDev: config.dependencies.omitDev,
      }),
    images: () => checkImagePinning({ root, paths: config.images.paths }),
    evidence: () => {
      if (!options.evidenceKeys) {
        throw new ReleaseError(
          'BW_RELEASE_CONFIG',
          'the evidence check needs the keys evidence is signed with (--keyring FILE)',
        );
      }
      return checkEvidenceGate({
        root,
        planFile: at(config.evidence.plan),
        gate: config.evidence.gate,
        evidenceDir: at(config.evidence.dir),
        keyring: options.evidenceKeys,
        now,
      });
    },
  };
  const selected = RELEASE_CHECKS.filter((name) => !options.only || options.only.includes(name));
  const results: ReleaseCheckResult[] = [];
  for (const name of selected) {
    options.onCheck?.(name);
    results.push(await runners[name]());
  }
  return { ok: results.every((result) => result.status !== 'fail'), results };
}
