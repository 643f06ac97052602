import type { Signer } from '@bulwark/keys';
import { KEY_AUDIT_STREAM } from './audit-sink.js';
import { type EntryInput, entryHashOf, type PreparedEntry, prepareEntry } from './entry.js';
import { InconsistentCheckpointError, LedgerClosedError, OutOfRangeError } from './errors.js';
import { type Hash, hashesEqual } from './hash.js';
import { CompactRange, leafHash, verifyConsistency } from './merkle.js';
import {
  CHECKPOINT_PURPOSE,
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
  readLastOfStream,
  type StoredEntry,
} from './store/tables.js';
import { SubtreeCache, type SubtreeSource } from './subtree-cache.js';
import { type VerifyOptions, type VerifyReport, verifyLedger } from './verify.js';
import type { Witness } from './witness.js';
import {
  UntrustedWitnessAnswerError,
  WitnessConflictError,
  WitnessUnavailableError,
} from './witness-errors.js';

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

/** What this process last learned about one witness. */
export interface WitnessStatus {
  readonly name: string;
  /** The largest size the witness is known to hold; undefined until it has answered. */
  readonly size: number | undefined;
  /** When it last answered or was last tried (ms since the epoch). */
  readonly checkedAtMs: number | undefined;
  /** The last failure, cleared by the next success. */
  readonly error: string | undefined;
}

/**
 * The unwitnessed tail: entries after the size every witness holds. Whoever controls the
 * database can rewrite, extend or cut these without a witness noticing; the service keeps the
 * window small by checkpointing on a schedule and soon after bursts.
 */
export interface UnwitnessedWindow {
  readonly headSize: number;
  /** The smallest of the witnesses' latest sizes (0 when one holds nothing or there are none). */
  readonly witnessedSize: number;
  readonly entries: number;
  /** When the oldest unwitnessed entry was recorded; undefined when there is none. */
  readonly oldestTimeMs: number | undefined;
  /**
   * True when the window is one entry, the audit record of a checkpoint signature: an idle
   * ledger always ends so, because covering that record takes another signature, which adds
   * another record. Its content (the digest of the signed checkpoint) is fixed by the witnessed
   * note, so it is the one entry the window cannot shrink below.
   */
  readonly onlyCheckpointAudit: boolean;
  readonly witnesses: readonly WitnessStatus[];
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
  readonly #appendListeners = new Set<(size: number) => void>();
  readonly #witnessStatus: Map<Witness, WitnessStatus>;
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
    this.#witnessStatus = new Map(
      this.#witnesses.map((w) => [
        w,
        { name: w.name, size: undefined, checkedAtMs: undefined, error: undefined },
      ]),
    );
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
        const size = rows[rows.length - 1]?.seq;
        if (size !== undefined) for (const listener of this.#appendListeners) listener(size);
        return rows.map((r) => ({ seq: r.seq, entryHash: r.entryHash, timeMs: r.timeMs }));
      });
  }

  /**
   * Calls `listener` with the new size after each committed append batch of this process (not
   * other processes'). Returns the function that removes it. A throwing listener is ignored.
   */
  onAppended(listener: (size: number) => void): () => void {
    const safe = (size: number) => {
      try {
        listener(size);
      } catch {
        // A listener's failure must not fail an append that is already durable.
      }
    };
    this.#appendListeners.add(safe);
    return () => this.#appendListeners.delete(safe);
  }

  /** What this process last learned about each witness, in the order they were configured. */
  witnessStatus(): WitnessStatus[] {
    return this.#witnesses.map((w) => this.#witnessStatus.get(w) as WitnessStatus);
  }

  #witnessAnswered(witness: Witness, size: number | undefined): void {
    const previous = this.#witnessStatus.get(witness);
    this.#witnessStatus.set(witness, {
      name: witness.name,
      size: Math.max(size ?? 0, previous?.size ?? 0),
      checkedAtMs: Date.now(),
      error: undefined,
    });
  }

  #witnessFailed(witness: Witness, error: unknown): void {
    const previous = this.#witnessStatus.get(witness);
    this.#witnessStatus.set(witness, {
      name: witness.name,
      size: previous?.size,
      checkedAtMs: Date.now(),
      error: (error as Error).message ?? String(error),
    });
  }

  /**
   * The unwitnessed tail now. Witnesses this process has not heard from yet are asked for their
   * latest checkpoint (once; later answers come from checkpointing); one that cannot answer
   * counts as holding nothing, so the window is never reported smaller than it may be.
   */
  async unwitnessedWindow(): Promise<UnwitnessedWindow> {
    await Promise.all(
      this.#witnesses.map(async (witness) => {
        // Asked before (answered or not): checkpointing keeps the status current from here.
        if (this.#witnessStatus.get(witness)?.checkedAtMs !== undefined) return;
        try {
          this.#witnessAnswered(witness, (await witness.latest())?.size ?? 0);
        } catch (error) {
          this.#witnessFailed(witness, error);
        }
      }),
    );
    const head = await readHead(this.driver, false);
    const witnesses = this.witnessStatus();
    const witnessedSize = Math.min(
      head.size,
      ...(witnesses.length === 0 ? [0] : witnesses.map((w) => w.size ?? 0)),
    );
    const entries = head.size - witnessedSize;
    const [oldest] = entries > 0 ? await readEntryPage(this.driver, witnessedSize + 1, 1) : [];
    return {
      headSize: head.size,
      witnessedSize,
      entries,
      oldestTimeMs: oldest?.timeMs,
      onlyCheckpointAudit: entries === 1 && oldest !== undefined && isCheckpointAudit(oldest),
      witnesses,
    };
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

  /**
   * The newest entry of `stream`, or undefined when it has none. A writer that ships its own
   * numbered records into a stream asks this after an uncertain send, to skip what landed.
   */
  lastOfStream(stream: string): Promise<StoredEntry | undefined> {
    return readLastOfStream(this.driver, stream);
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
    // Read once: the checkpoint lock is held, so what each witness holds cannot change (but
    // for another log writer's, which the witness refuses with a conflict, handled below). A
    // witness that cannot be reached, or answers with a note its cosignature does not cover,
    // does not stop the checkpoint: it is signed, stored and handed to the others, and
    // checkpoint() then reports the witness that missed it.
    const answers = await Promise.allSettled(this.#witnesses.map((witness) => witness.latest()));
    const witnessed = answers.map((answer, i) => {
      const witness = this.#witnesses[i] as Witness;
      if (answer.status === 'fulfilled') {
        this.#witnessAnswered(witness, answer.value?.size ?? 0);
        return answer.value;
      }
      this.#witnessFailed(witness, answer.reason);
      if (
        answer.reason instanceof WitnessUnavailableError ||
        answer.reason instanceof UntrustedWitnessAnswerError
      ) {
        return undefined;
      }
      throw answer.reason;
    });
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
    const submitted = await Promise.allSettled(
      this.#witnesses.map((witness, i) =>
        answers[i]?.status === 'fulfilled'
          ? this.#submit(witness, row.note, witnessed[i]?.size ?? 0, head.size)
          : Promise.reject((answers[i] as PromiseRejectedResult).reason),
      ),
    );
    const failed = submitted.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return toSigned(row);
  }

  /**
   * Hands one witness the note with a consistency proof from the size it holds. A remote witness
   * that answers with another size (another writer's checkpoint reached it first) gets one
   * retry proved from that size; one that holds more than this log has is a rollback.
   */
  async #submit(witness: Witness, note: string, from: number, size: number): Promise<void> {
    try {
      try {
        await witness.submit(note, (await proveConsistency(this.driver, from, size)).proof, from);
      } catch (error) {
        if (!(error instanceof WitnessConflictError) || error.size === from) throw error;
        if (error.size > size) {
          throw new InconsistentCheckpointError(
            `witness ${witness.name} holds size ${error.size} but the ledger has ${size} entries`,
          );
        }
        const proof = await proveConsistency(this.driver, error.size, size);
        await witness.submit(note, proof.proof, error.size);
      }
      this.#witnessAnswered(witness, size);
    } catch (error) {
      this.#witnessFailed(witness, error);
      throw error;
    }
  }

  /** Verifies with this ledger's trusted keys and witnesses unless the options say otherwise. */
  verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    return verifyLedger(this.driver, {
      origin: this.origin,
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

/** An entry LedgerAuditSink wrote for a checkpoint signature. */
function isCheckpointAudit(entry: StoredEntry): boolean {
  if (entry.stream !== KEY_AUDIT_STREAM || entry.kind !== 'signature') return false;
  try {
    return (JSON.parse(entry.payload) as { purpose?: unknown }).purpose === CHECKPOINT_PURPOSE;
  } catch {
    return false;
  }
}

function toSigned(row: CheckpointRow): SignedCheckpoint {
  return { ...readCheckpointNote(row.note), id: row.id, note: row.note };
}
