/**
 * Every SQL statement the ledger runs, in one place, over either driver.
 */

import type { LedgerEntry } from '../entry.js';
import { TreeCorruptError } from '../errors.js';
import { HASH_BYTES, type Hash } from '../hash.js';
import { leafHash, type SubtreeKey } from '../merkle.js';
import { type SqlQueryable, toBytes, toNumber } from './driver.js';

/** An entry row with the tree nodes its leaf closed. */
export interface StoredEntry extends LedgerEntry {
  readonly treeNodes: Uint8Array;
}

export interface HeadRow {
  readonly size: number;
  readonly lastHash: Hash;
  readonly frontier: Hash[];
}

export interface CheckpointRow {
  readonly id: number;
  readonly treeSize: number;
  readonly rootHash: Hash;
  readonly note: string;
  readonly signedAt: Date;
}

export function splitHashes(bytes: Uint8Array): Hash[] {
  const out: Hash[] = [];
  for (let at = 0; at + HASH_BYTES <= bytes.length; at += HASH_BYTES)
    out.push(bytes.subarray(at, at + HASH_BYTES));
  return out;
}

export const joinHashes = (hashes: readonly Uint8Array[]): Buffer => Buffer.concat(hashes);

export async function readHead(q: SqlQueryable, lock: boolean): Promise<HeadRow> {
  const head = await readHeadRow(q, lock);
  if (head === undefined) throw new TreeCorruptError('the ledger_head row is missing');
  return head;
}

/**
 * The head row, or undefined when it is missing (the verifier reports that as tampering rather
 * than failing); TreeCorruptError when a column is NULL or the frontier is not whole hashes.
 */
export async function readHeadRow(q: SqlQueryable, lock = false): Promise<HeadRow | undefined> {
  const rows = await q.query(
    `SELECT size, last_hash, frontier FROM ledger_head WHERE id${lock ? ' FOR UPDATE' : ''}`,
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  if (
    row.size === null ||
    !(row.last_hash instanceof Uint8Array) ||
    !(row.frontier instanceof Uint8Array)
  )
    throw new TreeCorruptError('the ledger_head row has a NULL column');
  const frontier = toBytes(row.frontier);
  if (frontier.length % HASH_BYTES !== 0)
    throw new TreeCorruptError('the ledger_head frontier is not a whole number of hashes');
  return {
    size: toNumber(row.size),
    lastHash: toBytes(row.last_hash),
    frontier: splitHashes(frontier),
  };
}

/** Inserts a batch and moves the head in one statement: one round trip while the head is locked. */
export async function insertEntriesAndMoveHead(
  q: SqlQueryable,
  entries: readonly StoredEntry[],
  head: HeadRow,
): Promise<void> {
  await q.query(
    `WITH appended AS (
       INSERT INTO ledger_entries
         (seq, recorded_at, stream, kind, actor, payload, payload_hash, prev_hash, entry_hash, tree_nodes)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
                            $7::bytea[], $8::bytea[], $9::bytea[], $10::bytea[])
       RETURNING 1)
     UPDATE ledger_head SET size = $11, last_hash = $12, frontier = $13
     WHERE id`,
    [
      entries.map((e) => e.seq),
      entries.map((e) => new Date(e.timeMs)),
      entries.map((e) => e.stream),
      entries.map((e) => e.kind),
      entries.map((e) => e.actor),
      entries.map((e) => e.payload),
      entries.map((e) => e.payloadHash),
      entries.map((e) => e.prevHash),
      entries.map((e) => e.entryHash),
      entries.map((e) => e.treeNodes),
      head.size,
      head.lastHash,
      joinHashes(head.frontier),
    ],
  );
}

const ENTRY_COLUMNS =
  'seq, recorded_at, stream, kind, actor, payload, payload_hash, prev_hash, entry_hash, tree_nodes';

const ENTRY_COLUMN_NAMES = ENTRY_COLUMNS.split(', ');

/** TreeCorruptError naming the first NULL column (the schema allows none) rather than a crash. */
function toEntry(row: Record<string, unknown>): StoredEntry {
  for (const column of ENTRY_COLUMN_NAMES) {
    if (row[column] === null || row[column] === undefined) {
      throw new TreeCorruptError(`entry ${row.seq ?? '?'}: column ${column} is NULL`);
    }
  }
  return {
    seq: toNumber(row.seq),
    timeMs: (row.recorded_at as Date).getTime(),
    stream: row.stream as string,
    kind: row.kind as string,
    actor: row.actor as string,
    payload: row.payload as string,
    payloadHash: toBytes(row.payload_hash),
    prevHash: toBytes(row.prev_hash),
    entryHash: toBytes(row.entry_hash),
    treeNodes: toBytes(row.tree_nodes),
  };
}

/** One page of entries with seq ≥ from (a keyset cursor: constant memory however long the log). */
export async function readEntryPage(
  q: SqlQueryable,
  from: number,
  limit: number,
  through = Number.MAX_SAFE_INTEGER,
  stream?: string,
): Promise<StoredEntry[]> {
  const rows = stream
    ? await q.query(
        `SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq >= $1 AND seq <= $2 AND stream = $4
         ORDER BY seq LIMIT $3`,
        [from, through, limit, stream],
      )
    : await q.query(
        `SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
        [from, through, limit],
      );
  return rows.map(toEntry);
}

/**
 * The newest entry of one stream, or undefined when the stream has none. A backward walk of the
 * seq index that stops at the first match: cheap for a stream that writes often (an outbox
 * shipper asks about its own stream), so no index on stream is kept for it.
 */
export async function readLastOfStream(
  q: SqlQueryable,
  stream: string,
): Promise<StoredEntry | undefined> {
  const rows = await q.query(
    `SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE stream = $1 ORDER BY seq DESC LIMIT 1`,
    [stream],
  );
  return rows[0] === undefined ? undefined : toEntry(rows[0]);
}

export async function readEntry(q: SqlQueryable, seq: number): Promise<StoredEntry | undefined> {
  const rows = await q.query(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq = $1`, [seq]);
  return rows[0] === undefined ? undefined : toEntry(rows[0]);
}

/** The seq of the entry whose leaf closes a subtree: its last leaf, 1-based. */
const closingSeq = (key: SubtreeKey): number => (key.index + 1) * 2 ** key.level;

/** Subtree hashes in the order asked, in one indexed query. */
export async function readSubtrees(q: SqlQueryable, keys: readonly SubtreeKey[]): Promise<Hash[]> {
  if (keys.length === 0) return [];
  const seqs = [...new Set(keys.map(closingSeq))];
  const rows = await q.query(
    'SELECT seq, entry_hash, tree_nodes FROM ledger_entries WHERE seq = ANY($1::bigint[])',
    [seqs],
  );
  const bySeq = new Map(rows.map((r) => [toNumber(r.seq), r]));
  return keys.map((key) => {
    const row = bySeq.get(closingSeq(key));
    if (row === undefined)
      throw new TreeCorruptError(`entry ${closingSeq(key)} is missing from the tree`);
    if (key.level === 0) return leafHash(toBytes(row.entry_hash));
    const nodes = toBytes(row.tree_nodes);
    const at = (key.level - 1) * HASH_BYTES;
    if (nodes.length < at + HASH_BYTES) {
      throw new TreeCorruptError(`entry ${closingSeq(key)} lacks its level-${key.level} tree node`);
    }
    return nodes.subarray(at, at + HASH_BYTES);
  });
}

function toCheckpoint(row: Record<string, unknown>): CheckpointRow {
  return {
    id: toNumber(row.id),
    treeSize: toNumber(row.tree_size),
    rootHash: toBytes(row.root_hash),
    note: row.note as string,
    signedAt: row.signed_at as Date,
  };
}

export async function insertCheckpoint(
  q: SqlQueryable,
  checkpoint: { treeSize: number; rootHash: Hash; note: string },
): Promise<CheckpointRow> {
  const rows = await q.query(
    'INSERT INTO ledger_checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3) RETURNING *',
    [checkpoint.treeSize, checkpoint.rootHash, checkpoint.note],
  );
  return toCheckpoint(rows[0] as Record<string, unknown>);
}

/** Checkpoints in the order they were stored. */
export async function listCheckpoints(q: SqlQueryable, limit = 10_000): Promise<CheckpointRow[]> {
  const rows = await q.query('SELECT * FROM ledger_checkpoints ORDER BY id DESC LIMIT $1', [limit]);
  return rows.map(toCheckpoint).reverse();
}

export async function latestCheckpoint(q: SqlQueryable): Promise<CheckpointRow | undefined> {
  const rows = await q.query('SELECT * FROM ledger_checkpoints ORDER BY id DESC LIMIT 1');
  return rows[0] === undefined ? undefined : toCheckpoint(rows[0]);
}
