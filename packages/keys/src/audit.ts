import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuditWriteError } from './errors.js';
import type { SignatureAlgorithm, Signer } from './signer.js';

/** What is recorded for every signature: which key, why, over what, and when. Never the bytes. */
export interface SignatureAuditRecord {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** Why the signature was made, e.g. "ledger.checkpoint"; "unspecified" when the caller gave none. */
  readonly purpose: string;
  /** Hex SHA-256 of the signed bytes. */
  readonly digest: string;
  /** ISO 8601 time the signature was made. */
  readonly time: string;
}

/**
 * Where audit records go. `record` resolves once the record is stored; a rejection withholds the
 * signature. The ledger implements this to put key operations into the tamper-evident log.
 */
export interface AuditSink {
  record(record: SignatureAuditRecord): Promise<void>;
}

export const UNSPECIFIED_PURPOSE = 'unspecified';

/** Keeps records in memory: for tests and for processes that forward them elsewhere. */
export class MemoryAuditSink implements AuditSink {
  readonly records: SignatureAuditRecord[] = [];

  async record(record: SignatureAuditRecord): Promise<void> {
    this.records.push(record);
  }
}

/**
 * Appends one JSON line per record and fsyncs before acknowledging, so an acknowledged signature
 * always has its record on disk. Writes are serialised so lines never interleave.
 */
export class JsonlFileAuditSink implements AuditSink {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  record(record: SignatureAuditRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const write = this.#tail.then(async () => {
      const handle = await this.#open();
      await handle.appendFile(line, 'utf8');
      await handle.datasync();
    });
    // A failed write must not wedge every later one; the caller still sees this failure.
    this.#tail = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.#tail;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }

  #open(): Promise<FileHandle> {
    if (this.#handle === undefined) {
      const opening = mkdir(dirname(this.path), { recursive: true }).then(() =>
        open(this.path, 'a', 0o600),
      );
      this.#handle = opening;
      // A failed open (say, a missing mount) is retried by the next write, not kept forever.
      opening.catch(() => {
        if (this.#handle === opening) this.#handle = undefined;
      });
    }
    return this.#handle;
  }
}

export function signatureDigest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Wraps a signer so every signature it makes is recorded before it is returned. If the record
 * cannot be stored, the caller gets AuditWriteError instead of the signature (fail closed).
 */
export function auditedSigner(
  signer: Signer,
  sink: AuditSink,
  now: () => Date = () => new Date(),
): Signer {
  return {
    keyId: signer.keyId,
    algorithm: signer.algorithm,
    publicKey: signer.publicKey,
    async sign(data, purpose) {
      const signature = await signer.sign(data, purpose);
      const record: SignatureAuditRecord = {
        keyId: signer.keyId,
        algorithm: signer.algorithm,
        purpose: purpose ?? UNSPECIFIED_PURPOSE,
        digest: signatureDigest(data),
        time: now().toISOString(),
      };
      try {
        await sink.record(record);
      } catch (error) {
        throw new AuditWriteError(signer.keyId, { cause: error });
      }
      return signature;
    },
  };
}
