/**
 * The verifier: streams entries through a cursor of seq-range pages (memory bounded by a few
 * pages), recomputes every hash, checks each linear step against the Merkle tree (the stored
 * subtree nodes must be exactly what the chain implies, so a proof can never describe a
 * different log than the chain), and compares tree roots with signed checkpoints held in the
 * database and by witnesses.
 *
 * What a VALID verdict means depends on the trust material the caller holds (keys, an origin,
 * witnesses), so every report says which guarantees it carries (`trust`) and how much of the log
 * no witnessed checkpoint covers yet (`unwitnessedTail`).
 */
import { type ChainFailure, type ChainResult, checkChain, entryHashAt } from './chain-check.js';
import { GENESIS_HASH } from './entry.js';
import { CopyFormatError, OutOfRangeError, TreeCorruptError } from './errors.js';
import { HASH_BYTES, type Hash, hashesEqual, toHex } from './hash.js';
import { CompactRange, leafHash, verifyInclusion } from './merkle.js';
import { type Checkpoint, type NoteKey, openCheckpoint, readCheckpointNote } from './note.js';
import { frontierAt, proveInclusion } from './proofs.js';
import { type SqlQueryable, toNumber } from './store/driver.js';
import { boundsAt, type EntryPage, FIELD, fieldBytes } from './store/entry-page.js';
import { entryPageReader, entryPages } from './store/entry-page-reader.js';
import {
  type HeadRow,
  joinHashes,
  listCheckpoints,
  readEntry,
  readHeadRow,
} from './store/tables.js';
import type { Witness } from './witness.js';
import { WitnessUnavailableError } from './witness-errors.js';

export type VerifyMode = 'full' | 'range' | 'incremental';

export interface VerifyOptions {
  /** full (default): seq 1 to the head; range: `from`..`to`; incremental: from the latest trusted checkpoint. */
  mode?: VerifyMode;
  from?: number;
  to?: number;
  /**
   * The log's checkpoint origin, from the verifier's own trust material (never from the database
   * under test): checkpoints for another origin are reported. Default: the name the trusted keys
   * share. Witnesses without an origin make the verify not valid, since which log they witness
   * cannot be checked.
   */
  origin?: string;
  /** Keys whose checkpoint signatures are trusted. Without them signatures are not checked. */
  trustedKeys?: readonly NoteKey[];
  /** Checkpoint stores outside the database. */
  witnesses?: readonly Witness[];
  /**
   * Compare roots with the signed checkpoints (database and witnesses), and check those for
   * replays, forks and deletions: default true. False checks the chain and the tree only.
   */
  compareCheckpoints?: boolean;
  /** Entries per cursor page. */
  pageSize?: number;
  onProgress?: (checked: number) => void;
}

/**
 * How far a VALID verdict reaches: `chain` (internally consistent, nothing outside the database
 * consulted), `signed` (database checkpoints checked against a trusted key), `witnessed`
 * (checkpoints held outside the database, by witnesses, pin the history they cover).
 */
export type TrustLevel = 'chain' | 'signed' | 'witnessed';

export interface VerifyTrust {
  readonly level: TrustLevel;
  /** The origin the checkpoints were checked for; null when the verifier had none. */
  readonly origin: string | null;
  readonly signaturesChecked: boolean;
  /** The witnesses consulted, by name. */
  readonly witnesses: readonly string[];
  /** The largest checkpoint size the witnesses hold for the origin; null when they hold none. */
  readonly witnessedSize: number | null;
  /** What this verify establishes, in plain words. */
  readonly covered: readonly string[];
  /** What it does not: read these before reading VALID as more than it is. */
  readonly notCovered: readonly string[];
}

/** The entries after the newest checkpoint the trust material vouches for. */
export interface UnwitnessedTail {
  /**
   * What the tail is counted from: the newest witnessed checkpoint when witnesses were given,
   * else the newest signed checkpoint in the database when keys were, else nothing (the whole log).
   */
  readonly after: 'witnessed checkpoint' | 'signed checkpoint' | 'nothing';
  /** The size of that checkpoint (0 for nothing). */
  readonly afterSize: number;
  /** Entries from afterSize + 1 to the last seq verified. */
  readonly entries: number;
  /** recorded_at of the first of them (ISO 8601); null when there are none. */
  readonly since: string | null;
}

export interface VerifyReport {
  readonly valid: boolean;
  readonly mode: VerifyMode;
  /** Entries whose hashes were recomputed. */
  readonly checked: number;
  /** The last seq examined (the head, unless the range or a break stopped earlier). */
  readonly head: number;
  /**
   * The first seq that is wrong or missing; null when valid or when no seq is at fault (a
   * replayed or deleted checkpoint, a missing head row).
   */
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
  readonly trust: VerifyTrust;
  readonly unwitnessedTail: UnwitnessedTail;
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

interface Collected {
  /** Database checkpoints that parsed (and verified, with keys) for the origin. */
  readonly database: TrustedRoot[];
  /** Checkpoints the witnesses hold for the origin. */
  readonly witnessed: TrustedRoot[];
}

/** Lists at most this many sizes in one message. */
const LISTED = 5;

async function collectCheckpoints(
  q: SqlQueryable,
  origin: string | undefined,
  keys: readonly NoteKey[] | undefined,
  witnesses: readonly Witness[],
  checkpointTable: boolean,
  problems: Problem[],
): Promise<Collected> {
  // Witnesses first: a ledger stores a checkpoint before it hands it to a witness, so whatever a
  // witness holds now is in the database by the time the database is read below.
  const witnessed: TrustedRoot[] = [];
  const heldBy = new Map<Witness, TrustedRoot[]>();
  for (const witness of witnesses) {
    let held: Checkpoint[];
    try {
      held = await witness.list();
    } catch (error) {
      // A witness that cannot be reached leaves the verify undone, which is not tampering.
      if (error instanceof WitnessUnavailableError) throw error;
      problems.push({ seq: null, reason: `witness ${witness.name}: ${(error as Error).message}` });
      continue;
    }
    const foreign = held.find((c) => origin !== undefined && c.origin !== origin);
    if (foreign) {
      problems.push({
        seq: null,
        reason: `witness ${witness.name} holds checkpoints for ${foreign.origin}, not the origin ${origin}`,
      });
    }
    const roots = held
      .filter((c) => origin === undefined || c.origin === origin)
      .map((c) => ({ size: c.size, root: c.root, source: `witness ${witness.name}` }));
    heldBy.set(witness, roots);
    witnessed.push(...roots);
  }

  const database: TrustedRoot[] = [];
  // Every (size, root) the database stores, signed or not: what a witness holds must be here.
  const stored = new Set<string>();
  const open = (note: string): Checkpoint =>
    keys ? openCheckpoint(note, keys) : readCheckpointNote(note);
  let largest: { size: number; root: Hash; id: number } | undefined;
  for (const row of checkpointTable ? await listCheckpoints(q, Number.MAX_SAFE_INTEGER) : []) {
    let checkpoint: Checkpoint;
    try {
      const body = readCheckpointNote(row.note);
      stored.add(`${body.size}:${toHex(body.root)}`);
      checkpoint = open(row.note);
    } catch (error) {
      problems.push({
        seq: null,
        reason: `database checkpoint #${row.id}: ${(error as Error).message}`,
      });
      continue;
    }
    if (origin !== undefined && checkpoint.origin !== origin) {
      problems.push({
        seq: null,
        reason: `database checkpoint #${row.id} is for the origin ${checkpoint.origin}, not ${origin}`,
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
    database.push({
      size: checkpoint.size,
      root: checkpoint.root,
      source: `database checkpoint #${row.id}`,
    });
  }

  // A checkpoint a witness holds and the database lacks was deleted from the database: the
  // ledger stores every checkpoint before any witness sees it. No entry is at fault (seq null);
  // a rewrite that came with the deletion is reported at its seq by the root comparison.
  for (const [witness, roots] of heldBy) {
    const missing = roots.filter((r) => !stored.has(`${r.size}:${toHex(r.root)}`));
    if (missing.length === 0) continue;
    const sizes = missing.map((m) => m.size);
    const listed = sizes.slice(-LISTED).join(', ');
    problems.push({
      seq: null,
      reason:
        missing.length === 1
          ? `the database lacks the checkpoint of size ${listed} that witness ${witness.name} holds: checkpoint rows were deleted`
          : `the database lacks ${missing.length} checkpoints that witness ${witness.name} holds (sizes ${sizes.length > LISTED ? '..., ' : ''}${listed}): checkpoint rows were deleted`,
    });
  }
  return { database, witnessed };
}

/** The name every trusted key carries, if they share one: the origin they sign for. */
function sharedName(keys: readonly NoteKey[] | undefined): string | undefined {
  const names = new Set(keys?.map((k) => k.name));
  return names.size === 1 ? (names.values().next().value as string) : undefined;
}

/** Which ledger tables exist: a missing head or checkpoint table is damage, reported as such. */
async function ledgerTables(q: SqlQueryable): Promise<{ head: boolean; checkpoints: boolean }> {
  const [row] = await q.query<{ entries: unknown; head: unknown; checkpoints: unknown }>(
    `SELECT to_regclass('ledger_entries')::text AS entries, to_regclass('ledger_head')::text AS head,
            to_regclass('ledger_checkpoints')::text AS checkpoints`,
  );
  if (!row?.entries) throw new TreeCorruptError('there is no ledger_entries table: not a ledger');
  return { head: Boolean(row.head), checkpoints: Boolean(row.checkpoints) };
}

/** Verifies the ledger behind `q`; never throws for tampering, only for an unreachable database or witness. */
export async function verifyLedger(
  q: SqlQueryable,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const mode = options.mode ?? 'full';
  const pageSize = options.pageSize ?? 2_000;
  const problems: Problem[] = [];
  const keys = options.trustedKeys;
  const origin = options.origin ?? sharedName(keys);
  const witnesses = options.witnesses ?? [];
  const compare = options.compareCheckpoints !== false;
  const tables = await ledgerTables(q);
  if (!tables.head) problems.push({ seq: null, reason: 'the ledger_head table is missing' });
  if (!tables.checkpoints && compare)
    problems.push({ seq: null, reason: 'the ledger_checkpoints table is missing' });
  if (compare && witnesses.length > 0 && origin === undefined) {
    problems.push({
      seq: null,
      reason:
        'witnesses were consulted without a trusted origin (no origin given, and the trusted keys name none): ' +
        'which log they witness cannot be checked',
    });
  }
  const collected = compare
    ? await collectCheckpoints(q, origin, keys, witnesses, tables.checkpoints, problems)
    : { database: [], witnessed: [] };
  const trusted = [...collected.database, ...collected.witnessed];
  const bySize = new Map<number, TrustedRoot[]>();
  for (const t of trusted) bySize.set(t.size, [...(bySize.get(t.size) ?? []), t]);
  const anchorPool = keys ? trusted : collected.witnessed;
  const latestTrusted = anchorPool.reduce<TrustedRoot | undefined>(
    (a, t) => (!a || t.size > a.size ? t : a),
    undefined,
  );

  /** The head row; undefined (and a problem) when it is missing or damaged. */
  let headRead: Promise<HeadRow | undefined> | undefined;
  const readHeadOnce = () => {
    headRead ??= (async () => {
      if (!tables.head) return undefined;
      try {
        const row = await readHeadRow(q);
        if (!row) problems.push({ seq: null, reason: 'the ledger_head row is missing' });
        return row;
      } catch (error) {
        if (!(error instanceof TreeCorruptError)) throw error;
        problems.push({ seq: null, reason: error.message });
        return undefined;
      }
    })();
    return headRead;
  };

  // Where the stream starts, and the chain and tree state just before it.
  let start = 1;
  let prev: Hash = GENESIS_HASH;
  let range = new CompactRange();
  let lastGoodAnchor = 0;
  let startAnchor: TrustedRoot | undefined;
  let broken = false;
  if (mode === 'range' && (options.from ?? 1) > 1) {
    start = options.from as number;
    // null: the row is there but a column is NULL (damage, reported below).
    const before = await readEntry(q, start - 1).catch((error: Error) => {
      if (error instanceof TreeCorruptError) return null;
      throw error;
    });
    // A range starting past the recorded head is a caller's mistake, not a missing row. (The
    // head row, not max(seq): a truncated tail must still read as tampering.)
    if (before === undefined && start - 1 > ((await readHeadOnce())?.size ?? Infinity)) {
      throw new OutOfRangeError(`range starts at ${start}, past the head`);
    }
    if (!before) {
      problems.push({
        seq: start - 1,
        reason: `entry ${start - 1} (the range's predecessor) is ${before === null ? 'damaged' : 'missing'}`,
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
        startAnchor = anchor;
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
  // Without a head row (tampering, reported) it checks every stored row.
  const openEnded = options.to === undefined && !broken;
  const headAtStart = openEnded ? await readHeadOnce() : undefined;
  const to =
    options.to ??
    headAtStart?.size ??
    (openEnded ? await maxStoredSeq(q) : Number.MAX_SAFE_INTEGER);
  let expected = start;
  let checked = 0;
  const bad = (seq: number, reason: string) => {
    problems.push({ seq, reason });
    broken = true;
  };
  // Where the last verified entry's hash lies: `prev` until a row passes.
  let lastPage: EntryPage | undefined;
  let lastRow = 0;
  // The tree before the last row folded: if that row turns out to be the rewritten one, the
  // report goes back to it. Taken once per page, not per row.
  let beforeLastRow: CompactRange | undefined;
  let linkBreak: { failure: ChainFailure; page: EntryPage; row: number } | undefined;
  // Each page's chain is checked first (three of the four hashes per entry), then its leaves are
  // folded into the tree in order: a tree failure at an earlier seq is still reported first.
  const fold = (page: EntryPage, result: ChainResult, leaves: Uint8Array) => {
    const { data, bounds } = page;
    for (let r = 0; r < result.passed; r++) {
      const seq = expected;
      if (r === result.passed - 1) beforeLastRow = new CompactRange(range.size, range.frontier);
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
    if (result.failure) {
      if (result.failure.brokenLink?.rowIntact && checked > 0)
        linkBreak = { failure: result.failure, page, row: result.passed };
      else bad(result.failure.seq, result.failure.reason);
    }
  };
  let pageError: { first: number; last: number } | undefined;
  try {
    for await (const page of broken ? [] : entryPages(q, start, to, pageSize)) {
      // A fresh buffer per page: the tree's frontier keeps views of leaves across pages.
      const leaves = new Uint8Array(page.count * HASH_BYTES);
      const linkTo = lastPage ? entryHashAt(lastPage, lastRow) : prev;
      fold(page, checkChain(page, expected, linkTo, leaves), leaves);
      options.onProgress?.(checked);
      if (broken || linkBreak) break;
    }
  } catch (error) {
    // Rows the database sends but that do not parse as ledger rows (a column's type changed):
    // damage, found at the first row that cannot be read on its own.
    if (!(error instanceof TreeCorruptError || error instanceof CopyFormatError)) throw error;
    // Pages are awaited in order, so the one that failed is the next one.
    pageError = { first: expected, last: Math.min(to, expected + pageSize - 1) };
  }
  if (pageError) {
    const seq = await firstUnreadableRow(q, pageError.first, pageError.last);
    bad(
      seq ?? pageError.first,
      `entry ${seq ?? pageError.first} cannot be read as a ledger row (a column was altered)`,
    );
  }
  if (linkBreak) {
    const k = linkBreak.failure.seq;
    const vouchedBy = await forwardLinkOf(q, linkBreak.page, linkBreak.row, k, readHeadOnce);
    // Entry k − 1 under a checkpoint whose root matched is vouched for: then k is at fault.
    if (vouchedBy && beforeLastRow && k - 1 > lastGoodAnchor) {
      // Entry k is intact and the log after it still commits to it, so k's prev hash is the
      // original hash of entry k − 1: that entry was rewritten, its own hashes recomputed.
      checked -= 1;
      expected -= 1;
      range = beforeLastRow;
      lastPage = undefined;
      bad(
        k - 1,
        `entry ${k - 1} was rewritten with its hashes recomputed: entry ${k}, intact and linked to by ${vouchedBy}, commits to its original hash`,
      );
    } else {
      bad(k, linkBreak.failure.reason);
    }
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
  if (!broken && openEnded) {
    for (const anchor of trusted) {
      if (anchor.size > lastSeq) {
        bad(
          lastSeq + 1,
          `the ${anchor.source} covers ${anchor.size} entries but the ledger ends at ${lastSeq}: tail truncated`,
        );
        break;
      }
    }
  }
  if (!broken && headAtStart) {
    const head = headAtStart;
    // Rows past the head, read in one statement: an append inserts its rows and moves the head
    // in one transaction, so within one snapshot no honest row lies beyond the head.
    const [beyond] = await q.query<{ size: unknown; last: unknown }>(
      'SELECT h.size, (SELECT max(seq) FROM ledger_entries) AS last FROM ledger_head h WHERE h.id',
    );
    if (
      beyond &&
      beyond.last !== null &&
      beyond.size !== null &&
      toNumber(beyond.last) > toNumber(beyond.size)
    ) {
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

  const tail = await unwitnessedTail(q, {
    lastSeq,
    witnessed: witnesses.length > 0 && origin !== undefined ? collected.witnessed : undefined,
    signed: keys ? collected.database : undefined,
  });
  const witnessedSize = collected.witnessed.reduce<number | null>(
    (a, t) => (a === null || t.size > a ? t.size : a),
    null,
  );
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
      signaturesChecked: keys !== undefined,
      latestTrustedSize: latestTrusted?.size ?? null,
    },
    trust: describeTrust({
      mode,
      from: start,
      lastSeq,
      origin,
      signaturesChecked: keys !== undefined && compare,
      compared: compare,
      witnesses: witnesses.map((w) => w.name),
      witnessedSize,
      tail,
      startAnchor,
    }),
    unwitnessedTail: tail,
    problems,
  };
}

/** The highest stored seq (0 for none): where an open-ended verify ends when the head row is gone. */
async function maxStoredSeq(q: SqlQueryable): Promise<number> {
  const [row] = await q.query<{ last: unknown }>('SELECT max(seq) AS last FROM ledger_entries');
  return row?.last === null || row?.last === undefined ? 0 : toNumber(row.last);
}

/** The first seq in first..last whose row cannot be read on its own (one query per row, only after a page failed). */
async function firstUnreadableRow(
  q: SqlQueryable,
  first: number,
  last: number,
): Promise<number | undefined> {
  const reader = entryPageReader(q);
  for (let seq = first; seq <= last; seq++) {
    try {
      await reader.read(seq, seq);
    } catch {
      return seq;
    }
  }
  return undefined;
}

/**
 * What vouches for entry `seq` (row `row` of `page`) from after it: entry seq + 1 linking to its
 * stored hash, or, for the last entry, the head row recording it. Undefined when nothing does.
 */
async function forwardLinkOf(
  q: SqlQueryable,
  page: EntryPage,
  row: number,
  seq: number,
  readHead: () => Promise<HeadRow | undefined>,
): Promise<string | undefined> {
  const hash = fieldBytes(page, row, FIELD.entryHash);
  let next: Uint8Array | null | undefined;
  if (
    row + 1 < page.count &&
    page.seq[row + 1] === seq + 1 &&
    (page.nullColumn?.[row + 1] ?? -1) < 0
  ) {
    next = fieldBytes(page, row + 1, FIELD.prevHash);
  } else {
    const [stored] = await q.query<{ prev_hash: Uint8Array | null }>(
      'SELECT prev_hash FROM ledger_entries WHERE seq = $1',
      [seq + 1],
    );
    next = stored === undefined ? undefined : stored.prev_hash;
  }
  if (next) return hashesEqual(next, hash) ? `entry ${seq + 1}` : undefined;
  if (next === null) return undefined;
  const head = await readHead();
  return head && head.size === seq && hashesEqual(head.lastHash, hash) ? 'the head row' : undefined;
}

async function unwitnessedTail(
  q: SqlQueryable,
  options: {
    lastSeq: number;
    witnessed: readonly TrustedRoot[] | undefined;
    signed: readonly TrustedRoot[] | undefined;
  },
): Promise<UnwitnessedTail> {
  const newest = (roots: readonly TrustedRoot[]) =>
    roots.reduce((a, t) => (t.size <= options.lastSeq && t.size > a ? t.size : a), 0);
  let after: UnwitnessedTail['after'] = 'nothing';
  let afterSize = 0;
  if (options.witnessed) {
    afterSize = newest(options.witnessed);
    if (afterSize > 0) after = 'witnessed checkpoint';
  } else if (options.signed) {
    afterSize = newest(options.signed);
    if (afterSize > 0) after = 'signed checkpoint';
  }
  const entries = Math.max(0, options.lastSeq - afterSize);
  let since: string | null = null;
  if (entries > 0) {
    const [row] = await q.query<{ recorded_at: unknown }>(
      'SELECT recorded_at FROM ledger_entries WHERE seq = $1',
      [afterSize + 1],
    );
    if (row?.recorded_at instanceof Date) since = row.recorded_at.toISOString();
  }
  return { after, afterSize, entries, since };
}

function describeTrust(facts: {
  mode: VerifyMode;
  from: number;
  lastSeq: number;
  origin: string | undefined;
  signaturesChecked: boolean;
  compared: boolean;
  witnesses: readonly string[];
  witnessedSize: number | null;
  tail: UnwitnessedTail;
  startAnchor: TrustedRoot | undefined;
}): VerifyTrust {
  const witnessed = facts.compared && facts.witnesses.length > 0 && facts.origin !== undefined;
  const level: TrustLevel = witnessed ? 'witnessed' : facts.signaturesChecked ? 'signed' : 'chain';
  const covered = [
    'every entry verified matches its stored hashes and links to the one before it, and the stored Merkle tree is exactly the one the chain implies',
  ];
  const notCovered: string[] = [];
  if (facts.mode === 'range') {
    notCovered.push(
      `only entries ${facts.from}..${facts.lastSeq} were verified; the rest of the log was not read`,
    );
  } else {
    covered.push('the head row agrees with the last entry, and no row lies beyond it');
  }
  if (facts.startAnchor) {
    notCovered.push(
      `entries 1..${facts.startAnchor.size} were not rehashed: they are trusted through the ${facts.startAnchor.source} this verify started from`,
    );
  }
  if (!facts.compared) {
    notCovered.push(
      'no checkpoint was compared: nothing outside the entries themselves was consulted',
    );
  } else if (facts.signaturesChecked) {
    covered.push(
      `checkpoints in the database carry a valid signature by a trusted key for ${facts.origin ?? 'the keys’ origin'}, and the recomputed tree matches each`,
    );
  } else {
    notCovered.push(
      'checkpoint signatures were not checked (no trusted key): a forged checkpoint in the database is compared as if genuine',
    );
  }
  if (witnessed) {
    covered.push(
      facts.witnessedSize === null
        ? `the witnesses (${facts.witnesses.join(', ')}) hold no checkpoint for ${facts.origin} yet`
        : `the first ${facts.witnessedSize} entries match the checkpoints the witnesses hold for ${facts.origin}: rewriting or truncating them, or deleting their checkpoints, is detected`,
    );
  } else if (facts.compared) {
    notCovered.push(
      'without a witness (and an origin to look it up by), a consistent rewrite of the log with its checkpoints deleted, or a truncated tail, verifies VALID',
    );
    if (facts.signaturesChecked)
      notCovered.push('whoever holds the signing key can sign a rewritten history undetected');
  }
  const { tail } = facts;
  if (tail.entries > 0) {
    const since = tail.since ? ` (the first recorded ${tail.since})` : '';
    notCovered.push(
      tail.after === 'nothing'
        ? `no ${witnessed ? 'witnessed' : 'trusted'} checkpoint covers any of the ${entriesOf(tail.entries)}${since}: whoever can write to the database can rewrite them consistently`
        : `the ${entriesOf(tail.entries)} after the ${tail.after} of size ${tail.afterSize}${since} can be rewritten consistently by whoever can write to the database, until a newer checkpoint is witnessed`,
    );
  }
  return {
    level,
    origin: facts.origin ?? null,
    signaturesChecked: facts.signaturesChecked,
    witnesses: facts.witnesses,
    witnessedSize: facts.witnessedSize,
    covered,
    notCovered,
  };
}

const entriesOf = (n: number): string => (n === 1 ? '1 entry' : `${n} entries`);

/** Do the stored tree nodes `data[start, end)` equal the ones the chain closes? (No copies: this runs per entry.) */
function nodesMatch(completed: readonly Hash[], data: Buffer, start: number, end: number): boolean {
  if (end - start !== completed.length * HASH_BYTES) return false;
  for (let i = 0; i < completed.length; i++) {
    const at = start + i * HASH_BYTES;
    if (data.compare(completed[i] as Hash, 0, HASH_BYTES, at, at + HASH_BYTES) !== 0) return false;
  }
  return true;
}
