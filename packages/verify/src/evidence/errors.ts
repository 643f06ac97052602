/** A bundle on disk that cannot be read as one: missing, unparseable or malformed files. */
export class BundleError extends Error {
  readonly code = 'BW_BUNDLE_CORRUPT';
}

/** The run handed to the writer does not describe its own artifacts, or names an unsafe path. */
export class BundleWriteError extends Error {
  readonly code = 'BW_BUNDLE_INVALID';
}

/** The ledger refused or never answered the evidence entry. */
export class AnchorError extends Error {
  readonly code = 'BW_ANCHOR_FAILED';
}

/** The ledger could not be asked at all (unreachable, timed out, an answer that is not JSON). */
export class LedgerQueryError extends Error {
  readonly code = 'BW_LEDGER_UNREACHABLE';
}
