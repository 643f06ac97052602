export { KEY_AUDIT_STREAM, LedgerAuditSink } from './audit-sink.js';
export {
  appendSignatureLines,
  COSIGNATURE_V1_TYPE,
  cosignCheckpointBody,
  cosignedMessage,
  cosignerKeyHash,
  formatCosignerKey,
  parseCosignerKey,
  type VerifiedCosignature,
  verifyCosignature,
} from './cosignature.js';
export { DatabaseWitness } from './database-witness.js';
export {
  canonicalJson,
  type EntryInput,
  entryHashOf,
  entryHashOfBytes,
  GENESIS_HASH,
  type LedgerEntry,
  LIMITS,
  payloadHashOf,
  payloadHashOfBytes,
  prepareEntry,
} from './entry.js';
export {
  CopyFormatError,
  DataDirectoryInUseError,
  InconsistentCheckpointError,
  InvalidEntryError,
  LedgerClosedError,
  LedgerError,
  NoteError,
  OutOfRangeError,
  TreeCorruptError,
  WitnessRejectedError,
} from './errors.js';
export { type Hash, hashesEqual, parseHexHash, sha256, toHex } from './hash.js';
export {
  type AppendReceipt,
  Ledger,
  type LedgerHead,
  type LedgerOptions,
  type SignedCheckpoint,
  type UnwitnessedWindow,
  type WitnessStatus,
} from './ledger.js';
export {
  CompactRange,
  consistencyPath,
  EMPTY_ROOT,
  inclusionPath,
  leafHash,
  leafHashOfBytes,
  nodeHash,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export {
  type Checkpoint,
  formatCheckpoint,
  formatVerifierKey,
  keyHash,
  type NoteKey,
  noteKeyOf,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  publicKeyFromPem,
  readCheckpointNote,
  signCheckpoint,
  signNote,
  verifyNote,
} from './note.js';
export {
  type ConsistencyProof,
  consistencyProofJson,
  type InclusionProof,
  inclusionProofJson,
  proveConsistency,
  proveInclusion,
} from './proofs.js';
export type { SqlDriver, SqlQueryable } from './store/driver.js';
export { BYTE_FIELDS, type EntryPage, FIELD } from './store/entry-page.js';
export { entryPages } from './store/entry-page-reader.js';
export { isPostgresUrl, openDriver } from './store/open.js';
export { PgliteDriver } from './store/pglite.js';
export { PostgresDriver, type PostgresDriverOptions } from './store/postgres.js';
export { APP_ROLE, MIGRATIONS, migrate } from './store/schema.js';
export type { CheckpointRow, StoredEntry } from './store/tables.js';
export { SubtreeCache, type SubtreeSource, storeSource } from './subtree-cache.js';
export {
  parseTrustAnchor,
  parseTrustedKeys,
  signedOriginOf,
  type TrustAnchor,
} from './trust.js';
export {
  type TrustLevel,
  type UnwitnessedTail,
  type VerifyMode,
  type VerifyOptions,
  type VerifyReport,
  type VerifyTrust,
  verifyLedger,
} from './verify.js';
export { DirectoryWitness, type Witness, type WitnessedCheckpoint } from './witness.js';
export {
  UntrustedWitnessAnswerError,
  WitnessConfigError,
  WitnessConflictError,
  WitnessUnavailableError,
} from './witness-errors.js';
export { HttpWitness, type HttpWitnessOptions } from './witness-http.js';
export { MAX_PROOF_LINES, SIZE_CONTENT_TYPE } from './witness-protocol.js';
