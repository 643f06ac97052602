/**
 * The verifier: streams entries through a cursor of seq-range pages (memory bounded by a few
 * pages), recomputes every hash, checks each linear step against the Merkle tree (the stored
 * subtree nodes must be exactly what the chain implies, so a proof can never describe a
 * different log than the chain), and compares tree roots with signed checkpoints held in the
 * database and by witnesses.
 */
import { type ChainResult, checkChain, entryHashAt } from './chain-check.js';
import { GENESIS_HASH } from './entry.js';
import { OutOfRangeError } from './errors.js';
import { HASH_BYTES, type Hash, hashesEqual, toHex } from './hash.js';
import { CompactRange, leafHash, verifyInclusion } from './merkle.js';
import { type Checkpoint, type NoteKey, openCheckpoint, readCheckpointNote } from './note.js';
import { frontierAt, proveInclusion } from './proofs.js';
import { type SqlQueryable, toNumber } from './store/driver.js';
import { boundsAt, type EntryPage, FIELD } from './store/entry-page.js';
import { entryPages } from './store/entry-page-reader.js';
import { joinHashes, listCheckpoints, readEntry, readHead } from './store/tables.js';
import type { Witness } from './witness.js';

export type VerifyMode = 'full' | 'range' | 'incremental';

export interface VerifyOptions {
  /** full (default): seq 1 to the head; range: `from`..`to`; incremental: from the latest trusted checkpoint. */
  mode?: VerifyMode;
  from?: number;
  to?: number;
  /** Keys whose checkpoint signatures are trusted. Without them signatures are not checked. */
  trustedKeys?: readonly NoteKey[];
  /** Checkpoint stores outside the database. */
  witnesses?: readonly Witness[];
  /**
   * Compare roots with the signed checkpoints (database and witnesses), and check those for
   * replays and forks: default true. False checks the chain and the tree only.
   */
  compareCheckpoints?: boolean;
  /** Entries per cursor page. */
  pageSize?: number;
  onProgress?: (checked: number) => void;
}

export interface VerifyReport {
  readonly valid: boolean;
  readonly mode: VerifyMode;
  /** Entries whose hashes were recomputed. */
  readonly checked: number;
  /** The last seq examined (the head, unless the range or a break stopped earlier). */
  readonly head: number;
  /** The first seq that is wrong or missing; null when valid or when no seq is at fault (e.g. a replayed checkpoint). */
  readonly firstBadSeq: number | null;
  readonly reason: string | null;
  /** Root of the verified tree at `head`, hex. */
  readonly root: string;
  readonly checkpoints: {
    /** Signed checkpoints (database and witnesses) compared with recomputed roots. */
    readonly compared: number;
    readonly signaturesChecked: boolean;
    readonly latestTrustedSize: number | null;
  };
  /** Every problem found, earliest first. */
  readonly problems: readonly { seq: number | null; reason: string }[];
}

interface TrustedRoot {
  readonly size: number;
  readonly root: Hash;
  readonly source: string;
}

interface Problem {
  seq: number | null;
  reason: string;
}

async function collectCheckpoints(
  q: SqlQueryable,
  keys: readonly NoteKey[] | undefined,
  witnesses: readonly Witness[],
  problems: Problem[],
): Promise<TrustedRoot[]> {
  const trusted: TrustedRoot[] = [];
  const open = (note: string): Checkpoint =>
    keys ? openCheckpoint(note, keys) : readCheckpointNote(note);
  let largest: { size: number; root: Hash; id: number } | undefined;
  for (const row of await listCheckpoints(q, Number.MAX_SAFE_INTEGER)) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = open(row.note);
    } catch (error) {
      problems.push({
        seq: null,
        reason: `database checkpoint #${row.id}: ${(error as Error).message}`,
      });
      continue;
    }
    if (checkpoint.size !== row.treeSize || !hashesEqual(checkpoint.root, row.rootHash)) {
      problems.push({
        seq: null,
        reason: `database checkpoint #${row.id}: its columns disagree with its signed note`,
      });
    }
    if (largest && checkpoint.size < largest.size) {
      problems.push({
        seq: null,
        reason: `database checkpoint #${row.id} replays size ${checkpoint.size} after size ${largest.size} was signed (#${largest.id})`,
      });
    } else if (
      largest &&
      checkpoint.size === largest.size &&
      !hashesEqual(checkpoint.root, largest.root)
    ) {
      problems.push({
        seq: null,
        reason: `database checkpoint #${row.id} forks size ${checkpoint.size}`,
      });
    }
    if (!largest || checkpoint.size >= largest.size)
      largest = { size: checkpoint.size, root: checkpoint.root, id: row.id };
    trusted.push({
      size: checkpoint.size,
      root: checkpoint.root,
      source: `database checkpoint #${row.id}`,
    });
  }
  for (const witness of witnesses) {
    try {
      for (const checkpoint of await witness.list()) {
        trusted.push({
          size: checkpoint.size,
          root: checkpoint.root,
          source: `witness ${witness.name}`,
        });
      }
    } catch (error) {
      problems.push({ seq: null, reason: `witness ${witness.name}: ${(error as Error).message}` });
    }
  }
  return trusted;
}

/** Verifies the ledger behind `q`; never throws for tampering, only for an unreachable database. */
export async function verifyLedger(
  q: SqlQueryable,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const mode = options.mode ?? 'full';
  const pageSize = options.pageSize ?? 2_000;
  const problems: Problem[] = [];
  const trusted =
    options.compareCheckpoints === false
      ? []
      : await collectCheckpoints(q, options.trustedKeys, options.witnesses ?? [], problems);
  const bySize = new Map<number, TrustedRoot[]>();
  for (const t of trusted) bySize.set(t.size, [...(bySize.get(t.size) ?? []), t]);
  const witnessed = trusted.filter((t) => t.source.startsWith('witness'));
  const anchorPool = options.trustedKeys ? trusted : witnessed;
  const latestTrusted = anchorPool.reduce<TrustedRoot | undefined>(
    (a, t) => (!a || t.size > a.size ? t : a),
    undefined,
  );

  // Where the stream starts, and the chain and tree state just before it.
  let start = 1;
  let prev: Hash = GENESIS_HASH;
  let range = new CompactRange();
  let lastGoodAnchor = 0;
  let broken = false;
  if (mode === 'range' && (options.from ?? 1) > 1) {
    start = options.from as number;
    const before = await readEntry(q, start - 1);
    // A range starting past the recorded head is a caller's mistake, not a missing row. (The
    // head row, not max(seq): a truncated tail must still read as tampering.)
    if (!before && start - 1 > (await readHead(q, false)).size) {
      throw new OutOfRangeError(`range starts at ${start}, past the head`);
    }
    if (!before) {
      problems.push({
        seq: start - 1,
        reason: `entry ${start - 1} (the range's predecessor) is missing`,
      });
      broken = true;
    } else {
      prev = before.entryHash;
      range = await frontierAt(q, start - 1).catch((error: Error) => {
        problems.push({ seq: start - 1, reason: error.message });
        broken = true;
        return new CompactRange();
      });
    }
  } else if (mode === 'incremental' && latestTrusted && latestTrusted.size > 0) {
    const anchor = latestTrusted;
    try {
      const proof = await proveInclusion(q, anchor.size, anchor.size);
      const last = await readEntry(q, anchor.size);
      range = await frontierAt(q, anchor.size);
      if (
        !last ||
        !hashesEqual(range.root(), anchor.root) ||
        !hashesEqual(leafHash(last.entryHash), proof.leafHash) ||
        !verifyInclusion(anchor.size - 1, anchor.size, proof.leafHash, proof.proof, anchor.root)
      ) {
        problems.push({
          seq: null,
          reason: `the stored tree at size ${anchor.size} disagrees with the ${anchor.source}: run a full verify`,
        });
        broken = true;
      } else {
        start = anchor.size + 1;
        prev = last.entryHash;
        lastGoodAnchor = anchor.size;
      }
    } catch (error) {
      problems.push({
        seq: anchor.size,
        reason: `${anchor.source} covers ${anchor.size} entries: ${(error as Error).message}`,
      });
      broken = true;
    }
  }

  // An open-ended verify checks the log up to its head as it stands now (read after the
  // checkpoints, so none of them can lie beyond it): entries appended while the verify runs are
  // left to the next one, and cannot be mistaken for rows past the head or a truncated tail.
  const headAtStart = options.to === undefined && !broken ? await readHead(q, false) : undefined;
  const to = options.to ?? headAtStart?.size ?? Number.MAX_SAFE_INTEGER;
  let expected = start;
  let checked = 0;
  const bad = (seq: number, reason: string) => {
    problems.push({ seq, reason });
    broken = true;
  };
  // Where the last verified entry's hash lies: `prev` until a row passes.
  let lastPage: EntryPage | undefined;
  let lastRow = 0;
  // Each page's chain is checked first (three of the four hashes per entry), then its leaves are
  // folded into the tree in order: a tree failure at an earlier seq is still reported first.
  const fold = (page: EntryPage, result: ChainResult, leaves: Uint8Array) => {
    const { data, bounds } = page;
    for (let r = 0; r < result.passed; r++) {
      const seq = expected;
      const completed = range.append(leaves.subarray(r * HASH_BYTES, (r + 1) * HASH_BYTES));
      const at = boundsAt(r, FIELD.treeNodes);
      if (!nodesMatch(completed, data, bounds[at] as number, bounds[at + 1] as number)) {
        bad(seq, `entry ${seq}: the stored Merkle nodes disagree with the chain`);
        return;
      }
      lastPage = page;
      lastRow = r;
      checked += 1;
      expected += 1;
      const anchors = bySize.get(range.size);
      if (anchors) {
        for (const anchor of anchors) {
          if (hashesEqual(range.root(), anchor.root)) {
            lastGoodAnchor = Math.max(lastGoodAnchor, anchor.size);
          } else {
            bad(
              lastGoodAnchor + 1,
              `the root at size ${anchor.size} differs from the ${anchor.source}: history after ${lastGoodAnchor} was rewritten`,
            );
          }
        }
        if (broken) return;
      }
    }
    if (result.failure) bad(result.failure.seq, result.failure.reason);
  };
  for await (const page of broken ? [] : entryPages(q, start, to, pageSize)) {
    // A fresh buffer per page: the tree's frontier keeps views of leaves across pages.
    const leaves = new Uint8Array(page.count * HASH_BYTES);
    const linkTo = lastPage ? entryHashAt(lastPage, lastRow) : prev;
    fold(page, checkChain(page, expected, linkTo, leaves), leaves);
    options.onProgress?.(checked);
    if (broken) break;
  }
  if (lastPage) prev = entryHashAt(lastPage, lastRow);
  if (!broken && expected <= to) {
    // Rows past a hole at a page boundary: the continuity check inside pages cannot see them.
    const [row] = await q.query<{ next: unknown }>(
      'SELECT min(seq) AS next FROM ledger_entries WHERE seq >= $1 AND seq <= $2',
      [expected, to],
    );
    if (row?.next !== null && row?.next !== undefined) {
      bad(expected, `entry ${expected} is missing (the next stored is ${toNumber(row.next)})`);
    }
  }
  const lastSeq = expected - 1;

  // The tail: nothing signed may lie beyond what is stored; the head row must agree.
  if (!broken && headAtStart) {
    const head = headAtStart;
    for (const anchor of trusted) {
      if (anchor.size > lastSeq) {
        bad(
          lastSeq + 1,
          `the ${anchor.source} covers ${anchor.size} entries but the ledger ends at ${lastSeq}: tail truncated`,
        );
        break;
      }
    }
    // Rows past the head, read in one statement: an append inserts its rows and moves the head
    // in one transaction, so within one snapshot no honest row lies beyond the head.
    const [beyond] = await q.query<{ size: unknown; last: unknown }>(
      'SELECT h.size, (SELECT max(seq) FROM ledger_entries) AS last FROM ledger_head h WHERE h.id',
    );
    if (beyond && beyond.last !== null && toNumber(beyond.last) > toNumber(beyond.size)) {
      const size = toNumber(beyond.size);
      problems.push({
        seq: size + 1,
        reason: `entries ${size + 1}..${toNumber(beyond.last)} lie beyond the recorded head (forged rows)`,
      });
    }
    if (head.size > lastSeq) {
      problems.push({
        seq: lastSeq + 1,
        reason: `the head records ${head.size} entries but the ledger ends at ${lastSeq}: tail truncated`,
      });
    } else if (
      mode !== 'range' &&
      (!hashesEqual(head.lastHash, prev) ||
        !hashesEqual(joinHashes(head.frontier), joinHashes(range.frontier)))
    ) {
      problems.push({ seq: lastSeq, reason: 'the head row disagrees with the last entry' });
    }
  }

  problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
  const first = problems[0];
  return {
    valid: problems.length === 0,
    mode,
    checked,
    head: lastSeq,
    firstBadSeq: first?.seq ?? null,
    reason: first?.reason ?? null,
    root: toHex(range.root()),
    checkpoints: {
      compared: trusted.filter((t) => t.size <= lastSeq).length,
      signaturesChecked: options.trustedKeys !== undefined,
      latestTrustedSize: latestTrusted?.size ?? null,
    },
    problems,
  };
}

/** Do the stored tree nodes `data[start, end)` equal the ones the chain closes? (No copies: this runs per entry.) */
function nodesMatch(completed: readonly Hash[], data: Buffer, start: number, end: number): boolean {
  if (end - start !== completed.length * HASH_BYTES) return false;
  for (let i = 0; i < completed.length; i++) {
    const at = start + i * HASH_BYTES;
    if (data.compare(completed[i] as Hash, 0, HASH_BYTES, at, at + HASH_BYTES) !== 0) return false;
  }
  return true;
}
