export { type DsseEnvelope, openDsse, signDsse, verifyDsse } from './dsse.js';
export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  RELEASE_PREDICATE_TYPE,
  type ReleasePredicate,
  type ReleaseStatement,
  type Subject,
} from './in-toto.js';
export {
  ATTESTATION_KIND,
  RELEASE_STREAM,
  type ReleaseEntryPayload,
  type ReleaseLedgerReceipt,
} from './ledger-record.js';
export { APPROVALS_DIR, attestationFileName, ledgerReceiptPath } from './release-files.js';
export {
  ATTESTATION_SIGNING_PURPOSE,
  type ReleaseTarball,
  type SignedRelease,
  type SignReleaseOptions,
  signRelease,
} from './sign.js';
export {
  type ReleaseProblem,
  type ReleaseProblemCode,
  type ReleaseVerification,
  type VerifyReleaseOptions,
  verifyRelease,
} from './verify.js';
