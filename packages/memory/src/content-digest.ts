import { createHash } from 'node:crypto';

/** SHA-256 hex of the content's UTF-8 bytes: what the tombstone and the ledger keep. */
export function contentDigest(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}
