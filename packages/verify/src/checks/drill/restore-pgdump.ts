import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ArtifactInput } from '../check.js';
import { judgeAge, newestDump } from './restore-backup-age.js';
import { pgProgram } from './restore-binaries.js';
import { type DatabaseFigures, databaseFigures, listRelations } from './restore-checksums.js';
import type { RestoreFindings } from './restore-outcome.js';
import { runCommand } from './restore-process.js';
import { allOrStop, type RestoreRun } from './restore-run.js';
import {
  databaseOf,
  libpqArgs,
  PgSession,
  type PgTarget,
  quoteIdent,
  quoteLiteral,
  urlForDatabase,
  urlTarget,
  withSession,
} from './restore-sql.js';
import { verifyDatabase } from './restore-verify.js';

export interface PgDumpSources {
  /** The environment database the plan names (its URL, variables already filled in). */
  readonly sourceUrl: string;
  /** The server the scratch database is created on (`restoreInto`, else the source's). */
  readonly scratchServerUrl: string;
  /** An existing dump (file or directory), resolved against the plan's directory. */
  readonly backup?: string;
}

/** Tool output kept per log: enough for pg_restore's errors, bounded for the bundle. */
const LOG_BYTES = 65_536;

/**
 * The pg_dump method: a custom-format dump (or the plan's existing one), restored with
 * pg_restore into a scratch database created for the drill and always dropped, then verified
 * table by table against the source and, where it holds a ledger, by the ledger verifier.
 *
 * The source's figures come from the dump's own snapshot: the drill opens a repeatable-read
 * transaction, exports its snapshot, and both pg_dump (`--snapshot`) and the checksum queries
 * read that one snapshot, so a source taking writes during the drill still compares exactly.
 */
export async function drillPgDump(
  run: RestoreRun,
  sources: PgDumpSources,
): Promise<RestoreFindings> {
  const { params, cleanup, signal, ctx } = run;
  const started = performance.now();
  const temp = await mkdtemp(join(run.workDir, 'bulwark-restore-'));
  cleanup.add(`remove ${temp}`, () => rm(temp, { recursive: true, force: true }));
  const logs: ArtifactInput[] = [];

  let dumpPath: string;
  let backupLabel: string;
  let backupMs: number | undefined;
  let backupBytes: number;
  let sourceFigures: DatabaseFigures | undefined;
  let notCompared: string | undefined;
  let age: RestoreFindings['age'];
  if (sources.backup) {
    const dump = await newestDump(sources.backup);
    if (params.maxBackupAge) age = judgeAge(dump.writtenAt, ctx.now(), params.maxBackupAge);
    dumpPath = dump.path;
    backupBytes = dump.bytes;
    backupLabel = `dump ${basename(dump.path)}`;
    notCompared =
      'an existing dump was restored: the source has moved on since, so only a dump the drill takes is compared with it';
  } else {
    dumpPath = join(temp, 'source.dump');
    ctx.progress(`pg_dump of ${urlTarget(sources.sourceUrl).label}`);
    const taken = await dumpWithFigures(run, sources.sourceUrl, dumpPath);
    backupMs = taken.ms;
    sourceFigures = taken.figures;
    backupBytes = (await stat(dumpPath)).size;
    backupLabel = 'a fresh pg_dump';
    logs.push(log('pg_dump.log', taken.stderr));
  }

  const name = `bulwark_restore_${randomBytes(6).toString('hex')}`;
  const server = urlTarget(sources.scratchServerUrl);
  ctx.progress(`creating scratch database ${name}`);
  await withSession(server, signal, async (session) => {
    const options = sources.scratchServerUrl === sources.sourceUrl ? await localeOf(session) : '';
    await session.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0${options}`);
  });
  cleanup.add(`drop scratch database ${name}`, () => dropDatabase(server, name));

  const scratchUrl = urlForDatabase(sources.scratchServerUrl, name);
  const libpq = libpqArgs(scratchUrl);
  ctx.progress(`pg_restore into ${name}`);
  const restoreStarted = performance.now();
  const restore = await runCommand(
    pgProgram('pg_restore', params.pgBin),
    [
      '--exit-on-error',
      // The scratch database belongs to the drill's role, which need not be a superuser, and
      // grants name roles a scratch server may lack: data and schema are what is verified.
      '--no-owner',
      '--no-acl',
      `--jobs=${params.jobs}`,
      `--dbname=${libpq.dbname}`,
      dumpPath,
    ],
    { signal, env: libpq.env },
  );
  const restoreMs = performance.now() - restoreStarted;
  if (restore.stderr.trim()) logs.push(log('pg_restore.log', restore.stderr));

  ctx.progress(`verifying ${name}`);
  const verifyStarted = performance.now();
  const database = await verifyDatabase(
    run,
    urlTarget(scratchUrl),
    databaseOf(sources.sourceUrl),
    sourceFigures,
    false,
  );
  const verifyMs = performance.now() - verifyStarted;

  return {
    method: 'pg_dump',
    backupLabel,
    ...(backupMs === undefined ? {} : { backupMs }),
    backupBytes,
    ...(age ? { age } : {}),
    restoreMs,
    verifyMs,
    totalMs: performance.now() - started,
    scratch: name,
    databases: [database],
    ...(notCompared ? { notCompared } : {}),
    logs,
  };
}

/**
 * pg_dump and the source's checksums side by side, on one exported snapshot. The exporting
 * transaction stays open until both are done: pg_dump imports the snapshot when it starts, and
 * the other checksum connections import it too.
 */
async function dumpWithFigures(
  run: RestoreRun,
  sourceUrl: string,
  file: string,
): Promise<{ ms: number; figures: DatabaseFigures; stderr: string }> {
  const { params, signal } = run;
  const target = urlTarget(sourceUrl);
  const sessions = await snapshotSessions(target, signal, params.jobs);
  try {
    const { snapshot } = sessions;
    const relations = await listRelations(sessions.all[0] as PgSession);
    const libpq = libpqArgs(sourceUrl);
    const started = performance.now();
    const [dump, figures] = await allOrStop<
      [Awaited<ReturnType<typeof runCommand>>, DatabaseFigures]
    >(signal, [
      (stop) =>
        runCommand(
          pgProgram('pg_dump', params.pgBin),
          [
            '--format=custom',
            `--file=${file}`,
            `--snapshot=${snapshot}`,
            ...(params.compress === undefined ? [] : [`--compress=${params.compress}`]),
            `--dbname=${libpq.dbname}`,
          ],
          { signal: stop, env: libpq.env },
        ),
      (stop) => {
        // pg_dump failed or the drill stopped: closing the sessions cancels their scans.
        stop.addEventListener('abort', () => void closeAll(sessions.all), { once: true });
        return databaseFigures(sessions.all, relations);
      },
    ]);
    return { ms: performance.now() - started, figures, stderr: dump.stderr };
  } finally {
    await closeAll(sessions.all);
  }
}

async function closeAll(sessions: readonly PgSession[]): Promise<void> {
  await Promise.all(sessions.map((s) => s.close()));
}

/**
 * `count` sessions in one repeatable-read snapshot: the first exports it (and must stay open
 * while anyone imports it), the others import it.
 */
export async function snapshotSessions(
  target: PgTarget,
  signal: AbortSignal,
  count: number,
): Promise<{ snapshot: string; all: PgSession[] }> {
  const all: PgSession[] = [];
  try {
    const holder = await PgSession.open(target, signal);
    all.push(holder);
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const [row] = await holder.query<{ snapshot: string }>(
      'SELECT pg_export_snapshot() AS snapshot',
    );
    const snapshot = row?.snapshot ?? '';
    for (let i = 1; i < count; i++) {
      const worker = await PgSession.open(target, signal);
      all.push(worker);
      await worker.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await worker.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshot)}`);
    }
    return { snapshot, all };
  } catch (error) {
    await Promise.all(all.map((s) => s.close()));
    throw error;
  }
}

/**
 * The source database's encoding and locale, so the scratch copy stores and converts text the
 * way the source does (only on the source's own server, where those locales exist).
 */
async function localeOf(session: PgSession): Promise<string> {
  const [row] = await session.query<{ db: Record<string, unknown> }>(
    "SELECT to_jsonb(d) || jsonb_build_object('enc', pg_encoding_to_char(d.encoding)) AS db FROM pg_database d WHERE datname = current_database()",
  );
  const db = row?.db ?? {};
  const parts: string[] = [];
  if (typeof db.enc === 'string') parts.push(`ENCODING ${quoteLiteral(db.enc)}`);
  if (typeof db.datcollate === 'string') parts.push(`LC_COLLATE ${quoteLiteral(db.datcollate)}`);
  if (typeof db.datctype === 'string') parts.push(`LC_CTYPE ${quoteLiteral(db.datctype)}`);
  // PostgreSQL 15 added ICU as a database's locale provider.
  if (db.datlocprovider === 'i' && typeof db.daticulocale === 'string') {
    parts.push(`LOCALE_PROVIDER icu ICU_LOCALE ${quoteLiteral(db.daticulocale)}`);
  }
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** Cleanup must run after an abort too: it gets its own deadline, not the drill's signal. */
const DROP_TIMEOUT_MS = 120_000;

/** Drops the scratch database, ending any session still in it (a pg_restore that was stopped). */
export async function dropDatabase(server: PgTarget, name: string): Promise<void> {
  await withSession(server, AbortSignal.timeout(DROP_TIMEOUT_MS), (session) =>
    session.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

function log(name: string, text: string): ArtifactInput {
  return { name, mediaType: 'text/plain', content: text.slice(-LOG_BYTES) };
}
