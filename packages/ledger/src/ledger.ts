import type { Signer } from '@bulwark/keys';
import { type EntryInput, entryHashOf, type PreparedEntry, prepareEntry } from './entry.js';
import { InconsistentCheckpointError, LedgerClosedError, OutOfRangeError } from './errors.js';
import { type Hash, hashesEqual } from './hash.js';
import { CompactRange, leafHash, verifyConsistency } from './merkle.js';
import {
  type Checkpoint,
  type NoteKey,
  noteKeyOf,
  openCheckpoint,
  readCheckpointNote,
  signCheckpoint,
} from './note.js';
import {
  type ConsistencyProof,
  type InclusionProof,
  proveConsistency,
  proveInclusion,
} from './proofs.js';
import type { SqlDriver, SqlQueryable } from './store/driver.js';
import { migrate } from './store/schema.js';
import {
  type CheckpointRow,
  insertCheckpoint,
  insertEntriesAndMoveHead,
  joinHashes,
  latestCheckpoint,
  listCheckpoints,
  readEntryPage,
  readHead,
  type StoredEntry,
} from './store/tables.js';
import { SubtreeCache, type SubtreeSource } from './subtree-cache.js';
import { type VerifyOptions, type VerifyReport, verifyLedger } from './verify.js';
import type { Witness } from './witness.js';

export interface LedgerOptions {
  /** The checkpoint origin: a schema-less URL-like name unique to this log, e.g. "bulwark.example/ledger". */
  origin: string;
  /** Signs checkpoints. Without one the ledger appends and proves but cannot checkpoint. */
  signer?: Signer;
  /** Older public keys (after rotation) whose checkpoints still verify. */
  trustedKeys?: readonly NoteKey[];
  witnesses?: readonly Witness[];
  /** Most entries one group commit writes. */
  maxBatch?: number;
  /** Apply migrations on open (default true). */
  migrate?: boolean;
  /**
   * Keep every Merkle subtree hash in memory (64 bytes per entry) so proofs need no database
   * round trip. Off by default: proofs then read O(log n) stored hashes in one query.
   */
  cacheTree?: boolean;
}

/** What an append returns once the entry is durable. */
export interface AppendReceipt {
  readonly seq: number;
  readonly entryHash: Hash;
  readonly timeMs: number;
}

export interface LedgerHead {
  readonly size: number;
  readonly root: Hash;
  readonly lastHash: Hash;
}

export interface SignedCheckpoint extends Checkpoint {
  readonly id: number;
  readonly note: string;
}

/** Advisory lock key for checkpoint signing: 'ckpt' in ASCII. */
const CHECKPOINT_LOCK = 0x636b7074;

interface Pending {
  readonly entry: PreparedEntry;
  readonly resolve: (receipt: AppendReceipt) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A tamper-evident, append-only log: a hash chain whose entry hashes are also the leaves of an
 * RFC 6962 Merkle tree, stored in PostgreSQL or PGlite.
 *
 * Appends are group-committed: callers that arrive while a transaction is in flight share the
 * next one. Each transaction locks the single head row (so any number of processes append to
 * one linear chain), inserts the batch and moves the head, and a promise resolves only after
 * COMMIT returned, i.e. once the entry is durable (synchronous_commit on).
 */
export class Ledger {
  readonly driver: SqlDriver;
  readonly origin: string;
  readonly #signer: Signer | undefined;
  readonly #trustedKeys: readonly NoteKey[];
  readonly #witnesses: readonly Witness[];
  readonly #maxBatch: number;
  readonly #queue: Pending[] = [];
  #writing: Promise<void> | undefined;
  #checkpointing: Promise<SignedCheckpoint> | undefined;
  #closed = false;
  /** The largest tree size seen committed: sizes only grow, so proofs up to it skip a head read. */
  #knownSize = 0;
  readonly #cache: SubtreeCache | undefined;
  #cacheLoaded = false;
  #cacheLoading: Promise<void> | undefined;

  private constructor(driver: SqlDriver, options: LedgerOptions) {
    this.driver = driver;
    this.origin = options.origin;
    this.#signer = options.signer;
    this.#trustedKeys = [
      ...(options.signer ? [noteKeyOf(options.origin, options.signer)] : []),
      ...(options.trustedKeys ?? []),
    ];
    this.#witnesses = options.witnesses ?? [];
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#cache = options.cacheTree ? new SubtreeCache(driver) : undefined;
  }

  static async open(driver: SqlDriver, options: LedgerOptions): Promise<Ledger> {
    if (options.migrate !== false) await migrate(driver);
    return new Ledger(driver, options);
  }

  /** Keys that verify this ledger's checkpoints (the signer's and any rotated-out ones). */
  get trustedKeys(): readonly NoteKey[] {
    return this.#trustedKeys;
  }

  /** Appends one entry; resolves once it is durable. Rejects with InvalidEntryError for bad input. */
  append(input: EntryInput): Promise<AppendReceipt> {
    try {
      return this.#enqueue([prepareEntry(input)])[0] as Promise<AppendReceipt>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Appends entries as one batch (consecutive seqs, one transaction unless larger than maxBatch). */
  appendBatch(inputs: readonly EntryInput[]): Promise<AppendReceipt[]> {
    try {
      return Promise.all(this.#enqueue(inputs.map(prepareEntry)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #enqueue(entries: readonly PreparedEntry[]): Promise<AppendReceipt>[] {
    if (this.#closed) throw new LedgerClosedError();
    const promises = entries.map(
      (entry) =>
        new Promise<AppendReceipt>((resolve, reject) =>
          this.#queue.push({ entry, resolve, reject }),
        ),
    );
    this.#kick();
    return promises;
  }

  #kick(): void {
    if (this.#writing || this.#queue.length === 0) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      try {
        const receipts = await this.#write(batch.map((p) => p.entry));
        batch.forEach((p, i) => {
          p.resolve(receipts[i] as AppendReceipt);
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }

  #write(batch: readonly PreparedEntry[]): Promise<AppendReceipt[]> {
    return this.driver
      .transaction(async (tx) => {
        const head = await readHead(tx, true);
        const tree = new CompactRange(head.size, head.frontier);
        const timeMs = Date.now();
        let prevHash = head.lastHash;
        const rows: StoredEntry[] = batch.map((entry, i) => {
          const seq = head.size + 1 + i;
          const entryHash = entryHashOf({ ...entry, seq, timeMs, prevHash });
          const row = {
            ...entry,
            seq,
            timeMs,
            prevHash,
            entryHash,
            treeNodes: joinHashes(tree.append(leafHash(entryHash))),
          };
          prevHash = entryHash;
          return row;
        });
        await insertEntriesAndMoveHead(tx, rows, {
          size: tree.size,
          lastHash: prevHash,
          frontier: [...tree.frontier],
        });
        return rows;
      })
      .then((rows) => {
        this.#knownSize = Math.max(this.#knownSize, rows[rows.length - 1]?.seq ?? 0);
        this.#cache?.extend(rows);
        return rows.map((r) => ({ seq: r.seq, entryHash: r.entryHash, timeMs: r.timeMs }));
      });
  }

  async head(): Promise<LedgerHead> {
    const head = await readHead(this.driver, false);
    this.#knownSize = Math.max(this.#knownSize, head.size);
    return {
      size: head.size,
      root: new CompactRange(head.size, head.frontier).root(),
      lastHash: head.lastHash,
    };
  }

  /** Entries from seq `from` (inclusive), at most `limit`, optionally one stream only. */
  read(
    from: number,
    limit: number,
    options: { through?: number; stream?: string } = {},
  ): Promise<StoredEntry[]> {
    return readEntryPage(this.driver, from, limit, options.through, options.stream);
  }

  async inclusionProof(seq: number, treeSize?: number): Promise<InclusionProof> {
    const size = treeSize ?? (await readHead(this.driver, false)).size;
    if (treeSize !== undefined) await this.#ensureSize(treeSize);
    return proveInclusion(this.#proofSource(size), seq, size);
  }

  async consistencyProof(size1: number, size2?: number): Promise<ConsistencyProof> {
    const to = size2 ?? (await readHead(this.driver, false)).size;
    if (size2 !== undefined) await this.#ensureSize(size2);
    return proveConsistency(this.#proofSource(to), size1, to);
  }

  /**
   * The tree cache once it is loaded (it then follows appends, its own at once and other
   * processes' with one read), or already holds `size`; the store otherwise, so proofs asked for
   * while the cache loads are answered at once instead of waiting for it. The first proof starts
   * the load if nobody has.
   */
  #proofSource(size: number): SqlQueryable | SubtreeSource {
    const cache = this.#cache;
    if (!cache || this.#closed) return this.driver;
    if (this.#cacheLoaded || cache.size >= size) return cache.source;
    // A failed load (the store was unreachable) is retried by the next proof.
    this.warmTreeCache().catch(() => undefined);
    return this.driver;
  }

  /** Loads the in-memory subtree cache up to the current head (no-op without cacheTree). */
  warmTreeCache(): Promise<void> {
    const cache = this.#cache;
    if (!cache || this.#cacheLoaded) return Promise.resolve();
    this.#cacheLoading ??= this.head()
      .then((head) => cache.ensure(head.size))
      .then(() => {
        this.#cacheLoaded = true;
      })
      .finally(() => {
        this.#cacheLoading = undefined;
      });
    return this.#cacheLoading;
  }

  async #ensureSize(size: number): Promise<void> {
    if (size <= this.#knownSize) return;
    const head = await readHead(this.driver, false);
    this.#knownSize = Math.max(this.#knownSize, head.size);
    if (size > head.size)
      throw new OutOfRangeError(`tree size ${size} is beyond the head (${head.size})`);
  }

  /** Checkpoints in the order they were signed (the latest `limit`). */
  async checkpoints(limit = 100): Promise<SignedCheckpoint[]> {
    return (await listCheckpoints(this.driver, limit)).map(toSigned);
  }

  async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    const row = await latestCheckpoint(this.driver);
    return row && toSigned(row);
  }

  /**
   * Signs a checkpoint of the current head, stores it and hands it to every witness. Refuses
   * (InconsistentCheckpointError) unless the new tree provably extends the last checkpoint
   * signed, as held by the database and by each witness, and the entries since then verify.
   * Returns the latest checkpoint unchanged when the log has not grown.
   */
  checkpoint(): Promise<SignedCheckpoint> {
    // In-process single flight, and across processes an advisory lock, so two signers can never
    // store checkpoints out of size order (which verify would rightly report as a replay).
    this.#checkpointing ??= this.driver
      .withLock(CHECKPOINT_LOCK, () => this.#checkpoint())
      .finally(() => {
        this.#checkpointing = undefined;
      });
    return this.#checkpointing;
  }

  async #checkpoint(): Promise<SignedCheckpoint> {
    const signer = this.#signer;
    if (!signer) throw new InconsistentCheckpointError('this ledger has no checkpoint signer');
    const head = await this.head();
    const previous: Checkpoint[] = [];
    const stored = await latestCheckpoint(this.driver);
    if (stored) {
      try {
        previous.push(openCheckpoint(stored.note, this.#trustedKeys));
      } catch (error) {
        throw new InconsistentCheckpointError(
          `the latest stored checkpoint #${stored.id} does not verify: ${(error as Error).message}`,
        );
      }
    }
    // Read once: the checkpoint lock is held, so what each witness holds cannot change.
    const witnessed = await Promise.all(this.#witnesses.map((witness) => witness.latest()));
    for (const latest of witnessed) if (latest) previous.push(latest);
    for (const last of previous) {
      if (last.size > head.size) {
        throw new InconsistentCheckpointError(
          `a checkpoint of size ${last.size} was signed but the ledger has ${head.size} entries`,
        );
      }
      const proof = await proveConsistency(this.driver, last.size, head.size);
      if (
        !hashesEqual(proof.root2, head.root) ||
        !verifyConsistency(last.size, head.size, proof.proof, last.root, head.root)
      ) {
        throw new InconsistentCheckpointError(
          `the tree at size ${head.size} does not extend the checkpoint of size ${last.size}`,
        );
      }
    }
    const from = Math.max(0, ...previous.map((p) => p.size));
    // The consistency proofs above already tie this range to the latest checkpoint held by the
    // database and by each witness; comparing with the whole checkpoint history as well would
    // make every checkpoint cost more as the ledger ages (one signed a minute is 525,600 a year).
    const report = await verifyLedger(this.driver, {
      mode: 'range',
      from: from + 1,
      to: head.size,
      compareCheckpoints: false,
    });
    if (!report.valid)
      throw new InconsistentCheckpointError(
        `entries since the last checkpoint do not verify: ${report.reason}`,
      );

    // Already signed at this size: hand the stored note to any witness that lags, sign nothing.
    const row =
      stored?.treeSize === head.size
        ? stored
        : await insertCheckpoint(this.driver, {
            treeSize: head.size,
            rootHash: head.root,
            note: await signCheckpoint(
              { origin: this.origin, size: head.size, root: head.root },
              signer,
            ),
          });
    for (const [i, witness] of this.#witnesses.entries()) {
      const proof = await proveConsistency(this.driver, witnessed[i]?.size ?? 0, head.size);
      await witness.submit(row.note, proof.proof);
    }
    return toSigned(row);
  }

  /** Verifies with this ledger's trusted keys and witnesses unless the options say otherwise. */
  verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    return verifyLedger(this.driver, {
      trustedKeys: this.#trustedKeys.length > 0 ? this.#trustedKeys : undefined,
      witnesses: this.#witnesses,
      ...options,
    });
  }

  /** Stops accepting appends, waits for those in flight, then closes the driver. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#writing) await this.#writing;
    await this.#checkpointing?.catch(() => {});
    await this.#cacheLoading?.catch(() => {});
    await this.driver.close();
  }
}

function toSigned(row: CheckpointRow): SignedCheckpoint {
  return { ...readCheckpointNote(row.note), id: row.id, note: row.note };
}
