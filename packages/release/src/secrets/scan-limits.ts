/** Files and blobs larger than this are not scanned (and the summary says how many were not). */
export const DEFAULT_MAX_SCAN_BYTES = 1024 * 1024;

// Git's own test for a binary file (a NUL in the first 8000 bytes): cheap, and what `git diff`
// users already expect. Secrets in binaries (keystores, p12) are out of this scan's reach.
const BINARY_SNIFF_BYTES = 8000;

export function isBinary(content: Buffer): boolean {
  return content.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** Where a secret was seen: a file of the tree, or a blob of the history. */
export interface SecretSighting {
  readonly rule: string;
  readonly kind: string;
  readonly value: string;
  readonly path: string;
  readonly line: number;
  /** History only: the blob it is in, until the commit that introduced the blob is known. */
  readonly blob?: string;
}
