export { KEY_AUDIT_STREAM, LedgerAuditSink } from './audit-sink.js';
export { DatabaseWitness } from './database-witness.js';
export {
  canonicalJson,
  type EntryInput,
  entryHashOf,
  GENESIS_HASH,
  type LedgerEntry,
  LIMITS,
  payloadHashOf,
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
} from './ledger.js';
export {
  CompactRange,
  consistencyPath,
  EMPTY_ROOT,
  inclusionPath,
  leafHash,
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
export { parseTrustedKeys } from './trust.js';
export { type VerifyMode, type VerifyOptions, type VerifyReport, verifyLedger } from './verify.js';
export { DirectoryWitness, type Witness, type WitnessedCheckpoint } from './witness.js';
