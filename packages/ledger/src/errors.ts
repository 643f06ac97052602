/** Typed ledger errors with stable codes; the service maps them to problem+json statuses. */
export class LedgerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The caller's input cannot become an entry (bad stream name, payload not JSON, too large). */
export class InvalidEntryError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_INVALID_ENTRY', message);
  }
}

/** A proof or read asked for a seq or tree size the ledger does not have. */
export class OutOfRangeError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_OUT_OF_RANGE', message);
  }
}

/** The stored tree disagrees with the last signed checkpoint: refusing to sign a fork. */
export class InconsistentCheckpointError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_INCONSISTENT_CHECKPOINT', message);
  }
}

/** A witness refused a checkpoint (rollback, fork, bad signature, bad proof). */
export class WitnessRejectedError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_WITNESS_REJECTED', message);
  }
}

/** A signed note did not parse or did not verify. */
export class NoteError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_BAD_NOTE', message);
  }
}

/** The ledger was closed; no more appends are accepted. */
export class LedgerClosedError extends LedgerError {
  constructor() {
    super('LEDGER_CLOSED', 'the ledger is closed');
  }
}

/** A stored Merkle subtree is missing or malformed: the tree tables were damaged or tampered with. */
export class TreeCorruptError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_TREE_CORRUPT', message);
  }
}

/** Another live process has the embedded (PGlite) data directory open. */
export class DataDirectoryInUseError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_DATA_DIRECTORY_IN_USE', message);
  }
}

/** The database sent a binary COPY stream the entry reader cannot parse (not the ledger's columns). */
export class CopyFormatError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_BAD_COPY_STREAM', message);
  }
}
