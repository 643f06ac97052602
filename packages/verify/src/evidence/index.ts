export {
  type AnchorOptions,
  anchorBundle,
  EVIDENCE_KIND,
  EVIDENCE_STREAM,
  type EvidenceEntryPayload,
} from './anchor.js';
export { type ArtifactCheck, checkArtifacts, listedArtifacts } from './artifact-check.js';
export {
  type LedgerEntryInclusion,
  type ProveEntryOptions,
  proveLedgerEntry,
  type RecordedLedgerEntry,
} from './entry-inclusion.js';
export { AnchorError, BundleError, BundleWriteError, LedgerQueryError } from './errors.js';
export { type AnchorCheck, checkAnchor, type LedgerTrust } from './inclusion.js';
export { ANCHOR_FILE, ARTIFACTS_DIR, BUNDLE_FILE, SIGNATURE_FILE } from './layout.js';
export {
  describeAnswer,
  type LedgerAppendAnswer,
  LedgerClient,
  type LedgerEntryJson,
} from './ledger-client.js';
export { findBundles, type LoadedBundle, readAnchor, readBundle, readSignature } from './read.js';
export { blockers, countVerdicts, meetsRequirement, VERDICT_ORDER } from './verdicts.js';
export { type BundleVerification, type VerifyBundleOptions, verifyBundle } from './verify.js';
export {
  BUNDLE_SIGNING_PURPOSE,
  bundleBytes,
  type WriteBundleOptions,
  type WrittenBundle,
  writeBundle,
} from './write.js';
