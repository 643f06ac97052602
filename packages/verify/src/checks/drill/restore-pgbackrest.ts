import { performance } from 'node:perf_hooks';
import type { ArtifactInput } from '../check.js';
import { judgeAge } from './restore-backup-age.js';
import { pgProgram } from './restore-binaries.js';
import { type DatabaseFigures, databaseFigures, listRelations } from './restore-checksums.js';
import type { RecoveryPoint, RestoredDatabase, RestoreFindings } from './restore-outcome.js';
import type { PgBackRestParamsValue, RestoreTargetValue } from './restore-params.js';
import { PgBackRestRepo } from './restore-pgbackrest-repo.js';
import { osUser } from './restore-process.js';
import { pinRestorePoint, recoveryPointOf, waitArchived } from './restore-recovery-point.js';
import type { RestoreRun } from './restore-run.js';
import { ScratchCluster } from './restore-scratch-cluster.js';
import { databaseOf, socketTarget, urlTarget, withSession } from './restore-sql.js';
import { verifyDatabase } from './restore-verify.js';

const LOG_BYTES = 65_536;

/**
 * The pgBackRest method: the newest backup (or one the drill takes), restored into a scratch
 * data directory, started as a scratch server on a Unix socket, verified, then stopped and
 * deleted. With the source database and no explicit target, the drill writes a restore point
 * pinned to a snapshot of the source (restore-recovery-point.ts), restores to exactly that
 * point, and compares the copy with the source as that snapshot sees it: a point-in-time
 * recovery checked row for row.
 */
export async function drillPgBackRest(
  run: RestoreRun,
  pgbackrest: PgBackRestParamsValue,
  sourceUrl: string | undefined,
): Promise<RestoreFindings> {
  const { params, cleanup, signal, ctx } = run;
  const started = performance.now();
  const user = pgbackrest.runAs ? await osUser(pgbackrest.runAs) : undefined;
  const repo = new PgBackRestRepo(pgbackrest, user);
  const logs: ArtifactInput[] = [];

  ctx.progress(`pgbackrest info --stanza=${pgbackrest.stanza}`);
  const existing = await repo.newest(signal).catch((error: unknown) => {
    // Without any backup the drill can still take the first one.
    if (pgbackrest.newBackup) return undefined;
    throw error;
  });
  const age =
    params.maxBackupAge && existing
      ? judgeAge(existing.stoppedAt, ctx.now(), params.maxBackupAge)
      : undefined;
  const source = sourceUrl ? urlTarget(sourceUrl) : undefined;
  let recoveryPoint: RecoveryPoint | undefined;
  if (source) {
    recoveryPoint = await withSession(source, signal, recoveryPointOf);
  }

  let backup = existing;
  let backupMs: number | undefined;
  if (pgbackrest.newBackup) {
    ctx.progress(`pgbackrest backup --type=${pgbackrest.newBackup}`);
    const taken = await repo.backup(pgbackrest.newBackup, signal);
    backupMs = taken.ms;
    if (taken.stderr.trim()) logs.push(log('pgbackrest-backup.log', taken.stderr));
    backup = await repo.newest(signal);
  }
  if (!backup) throw new Error('unreachable: no backup and none taken');

  let target: RestoreTargetValue = pgbackrest.target ?? { type: 'immediate' };
  let targetText = describeTarget(target);
  let sourceFigures: DatabaseFigures | undefined;
  let notCompared: string | undefined;
  if (source && !pgbackrest.target) {
    ctx.progress('writing a restore point on the source');
    const pinned = await pinRestorePoint(source, signal, params.jobs);
    try {
      target = { type: 'name', value: pinned.name };
      targetText = `restore point ${pinned.name} (${pinned.lsn}), written by the drill`;
      const relations = await listRelations(pinned.sessions[0] as (typeof pinned.sessions)[0]);
      sourceFigures = await databaseFigures(pinned.sessions, relations);
    } finally {
      await Promise.all(pinned.sessions.map((s) => s.close()));
    }
    ctx.progress(`waiting for WAL ${pinned.wal} to be archived`);
    await waitArchived(source, pinned.wal, signal);
  } else {
    notCompared = source
      ? `restored to the plan's target (${targetText}), where the source's state is not known`
      : 'no source database given: the copy is read and its ledgers verified, not compared';
  }

  const scratch = await ScratchCluster.create(run.workDir, user, cleanup);
  ctx.progress(`pgbackrest restore of ${backup.label} to ${targetText}`);
  const restore = await repo.restore(scratch.dataDir, scratch.tablespaceDir, target, signal);
  if (restore.stderr.trim()) logs.push(log('pgbackrest-restore.log', restore.stderr));

  ctx.progress('starting the scratch server (WAL replay)');
  const connectAs = sourceUrl ? userOf(sourceUrl) : 'postgres';
  let startMs: number;
  try {
    startMs = await scratch.start(
      pgProgram('postgres', params.pgBin, backup.pgVersion),
      pgbackrest.settings,
      connectAs,
      signal,
      cleanup,
    );
  } finally {
    const tail = await scratch.logTail(LOG_BYTES);
    if (tail) logs.push(log('scratch-server.log', tail));
  }

  ctx.progress('verifying the restored copy');
  const verifyStarted = performance.now();
  const names = sourceUrl
    ? [databaseOf(sourceUrl)]
    : await withSession(
        socketTarget(scratch.root, scratch.port, connectAs, 'template1'),
        signal,
        async (s) =>
          (
            await s.query<{ datname: string }>(
              'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1',
            )
          ).map((r) => r.datname),
      );
  const databases: RestoredDatabase[] = [];
  for (const name of names) {
    databases.push(
      await verifyDatabase(
        run,
        socketTarget(scratch.root, scratch.port, connectAs, name),
        name,
        sourceFigures,
        true,
      ),
    );
  }
  const verifyMs = performance.now() - verifyStarted;

  return {
    method: 'pgbackrest',
    backupLabel: `pgBackRest backup ${backup.label} (${backup.type})`,
    ...(backupMs === undefined ? {} : { backupMs }),
    backupBytes: backup.bytes,
    ...(age ? { age } : {}),
    restoreMs: restore.ms,
    startMs,
    verifyMs,
    totalMs: performance.now() - started,
    scratch: scratch.dataDir,
    target: targetText,
    databases,
    ...(notCompared ? { notCompared } : {}),
    ...(recoveryPoint ? { recoveryPoint } : {}),
    logs,
  };
}

function describeTarget(target: RestoreTargetValue): string {
  if (target.type === 'immediate') return 'the end of the backup (immediate)';
  return target.type === 'time' ? `time ${target.value}` : `restore point ${target.value}`;
}

function userOf(url: string): string {
  return decodeURIComponent(new URL(url).username) || 'postgres';
}

function log(name: string, text: string): ArtifactInput {
  return { name, mediaType: 'text/plain', content: text.slice(-LOG_BYTES) };
}
