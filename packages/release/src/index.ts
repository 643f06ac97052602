export * from './attestation/index.js';
export {
  type ReleaseCheckOptions,
  type ReleaseCheckReport,
  runReleaseCheck,
  SBOM_FILE,
} from './check.js';
export * from './config/index.js';
export * from './dependencies/index.js';
export { ReleaseError, type ReleaseErrorCode } from './errors.js';
export * from './evidence/index.js';
export { type GitResult, git, gitOutput, headCommit, sourceOf } from './git.js';
export * from './images/index.js';
export * from './model.js';
export * from './pack/index.js';
export {
  type PrepareReleaseOptions,
  prepareRelease,
  type ReleaseInputs,
  releaseVersion,
} from './prepare-release.js';
export * from './sbom/index.js';
export * from './secrets/index.js';
export * from './signoff/index.js';
export * from './tree/index.js';
export {
  DEFAULT_EXPIRY_WARNING_DAYS,
  judgeWaiver,
  type OwnedWaiver,
  type WaiverJudgement,
} from './waivers/owned-waiver.js';
