import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Where approvals of an attestation live: beside it, so the three travel as one directory. */
export const APPROVALS_DIR = 'approvals';
const ATTESTATION_SUFFIX = '.intoto.jsonl';
const LEDGER_RECEIPT_SUFFIX = '.ledger.json';

/**
 * Release documents are a few KiB; anything much larger is not one, and reading it whole would
 * only cost memory.
 */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

export function attestationFileName(version: string): string {
  return `release-${version}${ATTESTATION_SUFFIX}`;
}

/** release-<version>.ledger.json beside release-<version>.intoto.jsonl. */
export function ledgerReceiptPath(attestationFile: string): string {
  const name = basename(attestationFile);
  const stem = name.endsWith(ATTESTATION_SUFFIX) ? name.slice(0, -ATTESTATION_SUFFIX.length) : name;
  return join(dirname(attestationFile), `${stem}${LEDGER_RECEIPT_SUFFIX}`);
}

/** Replaces `path` whole (temp file, fsync, rename): a reader sees the old file or the new one. */
export async function writeFileAtomically(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** SHA-256 of a file, streamed: tarballs can be large. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export type SmallFile =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly code: string };

/** Reads a release document whole, refusing anything past MAX_DOCUMENT_BYTES; never throws. */
export async function readSmallFile(path: string): Promise<SmallFile> {
  try {
    const handle = await open(path, 'r');
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return { ok: false, code: 'not a regular file' };
      if (stats.size > MAX_DOCUMENT_BYTES) {
        return { ok: false, code: `larger than ${MAX_DOCUMENT_BYTES} bytes` };
      }
      return { ok: true, bytes: await handle.readFile() };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { ok: false, code: (error as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
}
