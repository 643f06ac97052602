import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecoveryPoint } from './restore-outcome.js';
import { RestoreAbortedError } from './restore-process.js';
import { PgSession, type PgTarget, quoteLiteral, RestoreDatabaseError } from './restore-sql.js';

/**
 * How much would be lost if the source failed now: nothing when every WAL segment written has
 * been archived, else the time since the last segment was archived (WAL written since then,
 * commits or not, exists only on the source). Read before the drill's own backup switches WAL.
 */
export async function recoveryPointOf(session: PgSession): Promise<RecoveryPoint> {
  const [row] = await session.query<{
    last_archived_wal: string | null;
    last_archived_time: Date | null;
    last_failed_time: Date | null;
    current_wal: string;
    since_archived_ms: string | null;
    since_start_ms: string;
  }>(
    `SELECT a.last_archived_wal, a.last_archived_time, a.last_failed_time,
            pg_walfile_name(pg_current_wal_lsn()) AS current_wal,
            (extract(epoch FROM now() - a.last_archived_time) * 1000)::text AS since_archived_ms,
            (extract(epoch FROM now() - pg_postmaster_start_time()) * 1000)::text AS since_start_ms
       FROM pg_stat_archiver a`,
  );
  if (!row) throw new RestoreDatabaseError('pg_stat_archiver returned nothing');
  const archivedAll =
    row.last_archived_wal !== null && walNotAfter(row.current_wal, row.last_archived_wal);
  return {
    ms: archivedAll ? 0 : Number(row.since_archived_ms ?? row.since_start_ms),
    lastArchivedWal: row.last_archived_wal,
    lastArchivedAt: row.last_archived_time?.toISOString() ?? null,
    archiveFailing:
      row.last_failed_time !== null &&
      (row.last_archived_time === null || row.last_failed_time > row.last_archived_time),
  };
}

/** WAL file names sort by timeline, then position: `a` comes no later than `b`. */
function walNotAfter(a: string, b: string): boolean {
  return a <= b;
}

export interface PinnedPoint {
  /** The restore point's name: the restore targets it (`--type=name`). */
  readonly name: string;
  readonly lsn: string;
  readonly wal: string;
  /** Sessions in the snapshot the restore point matches; the caller reads the source's figures through them, then closes them. */
  readonly sessions: PgSession[];
}

/** Commits between the two snapshots: any of them may be on one side of the restore point and not the other. */
const COMMITTED_BETWEEN = `
WITH s AS (SELECT $1::pg_snapshot AS s1, $2::pg_snapshot AS s2),
candidates AS (
  SELECT pg_snapshot_xip(s1) AS x FROM s
  UNION
  SELECT g::text::xid8
    FROM s, generate_series(pg_snapshot_xmax(s1)::text::bigint,
                            pg_snapshot_xmax(s2)::text::bigint - 1) AS g
)
SELECT count(*)::int AS n
  FROM candidates, s
 WHERE pg_visible_in_snapshot(x, s2) AND pg_xact_status(x) = 'committed'`;

const ATTEMPTS = 10;

/**
 * A restore point on the source together with a snapshot that sees exactly what a recovery to
 * that point will hold. A repeatable-read transaction takes snapshot S1; then a restore point is
 * written; then snapshot S2 is read. Every commit S1 sees was logged before the restore point;
 * a transaction S1 does not see but that committed before the restore point has finished by
 * S2, so when no transaction committed between S1 and S2, recovery to the restore point and S1
 * hold the same data. Otherwise it tries again (a busy source needs a quiet millisecond), under
 * a fresh name: recovery stops at the first restore point of a name.
 */
export async function pinRestorePoint(
  target: PgTarget,
  signal: AbortSignal,
  jobs: number,
): Promise<PinnedPoint> {
  const writer = await PgSession.open(target, signal);
  try {
    const [settings] = await writer.query<{ archive_mode: string }>(
      "SELECT current_setting('archive_mode') AS archive_mode",
    );
    if (settings?.archive_mode === 'off') {
      throw new RestoreDatabaseError(
        `${target.label} does not archive WAL (archive_mode off): it cannot be restored to a point in time`,
      );
    }
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const pinned = await tryPin(writer, target, signal, jobs);
      if (pinned) return pinned;
      await sleep(20 + Math.random() * 80 * attempt, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw new RestoreAbortedError('the drill was stopped');
    }
    throw new RestoreDatabaseError(
      `${target.label} committed transactions during each of ${ATTEMPTS} attempts to pin a restore point to a snapshot`,
    );
  } finally {
    await writer.close();
  }
}

async function tryPin(
  writer: PgSession,
  target: PgTarget,
  signal: AbortSignal,
  jobs: number,
): Promise<PinnedPoint | undefined> {
  const name = `bulwark_drill_${randomBytes(6).toString('hex')}`;
  const sessions = [await PgSession.open(target, signal)];
  const holder = sessions[0] as PgSession;
  let kept = false;
  try {
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const [one] = await holder.query<{ s1: string; snapshot: string }>(
      'SELECT pg_current_snapshot()::text AS s1, pg_export_snapshot() AS snapshot',
    );
    const [point] = await writer.query<{ lsn: string; wal: string }>(
      'SELECT lsn::text AS lsn, pg_walfile_name(lsn) AS wal FROM pg_create_restore_point($1) AS lsn',
      [name],
    );
    const [two] = await writer.query<{ s2: string }>('SELECT pg_current_snapshot()::text AS s2');
    const [between] = await writer.query<{ n: number }>(COMMITTED_BETWEEN, [one?.s1, two?.s2]);
    if (between?.n !== 0 || !one || !point) return undefined;
    for (let i = 1; i < jobs; i++) {
      const worker = await PgSession.open(target, signal);
      sessions.push(worker);
      await worker.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await worker.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(one.snapshot)}`);
    }
    kept = true;
    return { name, lsn: point.lsn, wal: point.wal, sessions };
  } finally {
    if (!kept) await Promise.all(sessions.map((s) => s.close()));
  }
}

/** pgBackRest's own archive-timeout is 60 s; a slow archiver gets five times that. */
const ARCHIVE_WAIT_MS = 300_000;

/**
 * Switches to a new WAL segment so the one holding `wal` is complete, then waits until the
 * archiver has archived it: only then can a restore reach the restore point.
 */
export async function waitArchived(
  target: PgTarget,
  wal: string,
  signal: AbortSignal,
): Promise<number> {
  const started = performance.now();
  const session = await PgSession.open(target, signal);
  try {
    await session.query('SELECT pg_switch_wal()');
    for (;;) {
      const [row] = await session.query<{ archived: string | null; failed: string | null }>(
        'SELECT last_archived_wal AS archived, last_failed_wal AS failed FROM pg_stat_archiver',
      );
      if (row?.archived && walNotAfter(wal, row.archived)) return performance.now() - started;
      if (performance.now() - started > ARCHIVE_WAIT_MS) {
        const failed = row?.failed ? `; the archiver last failed on ${row.failed}` : '';
        throw new RestoreDatabaseError(
          `WAL segment ${wal} was not archived within ${ARCHIVE_WAIT_MS / 1000} s${failed}`,
        );
      }
      if (signal.aborted) throw new RestoreAbortedError('the drill was stopped');
      await sleep(100, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    await session.close();
  }
}
