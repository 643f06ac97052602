/**
 * Errors the release package throws for bad input or an environment it cannot work in. Each has
 * a stable code; the CLI prints the one-line message and exits 2. A check that runs and finds
 * problems does not throw: it returns a failing ReleaseCheckResult (exit 1).
 */
export type ReleaseErrorCode =
  | 'BW_RELEASE_CONFIG'
  | 'BW_RELEASE_GIT'
  | 'BW_RELEASE_WAIVERS'
  | 'BW_RELEASE_PACK'
  | 'BW_RELEASE_SBOM'
  | 'BW_RELEASE_AUDIT'
  | 'BW_RELEASE_ATTESTATION'
  | 'BW_RELEASE_APPROVAL'
  /** The release is refused (a no-go gate, a dirty tree at signing): exit 1, not bad usage. */
  | 'BW_RELEASE_BLOCKED';

export class ReleaseError extends Error {
  readonly code: ReleaseErrorCode;
  constructor(code: ReleaseErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReleaseError';
    this.code = code;
  }
}
