import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type {
  Database,
  DatabaseError,
  MigrationResult,
  MigrationSet,
  MigrationStatusRow,
} from '@bulwark/db';
import type { SetExitCode } from '../commands/index.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import { defaultPidDir } from '../stack/pid-files.js';
import { type DbTarget, resolveTargets, type TargetFlags } from './targets.js';

export type DbSubcommand = 'status' | 'migrate' | 'rollback';

export interface DbFlags extends TargetFlags {
  dryRun?: boolean;
  steps?: string;
  format: 'text' | 'json';
}

/** What one set reported: its status rows, or the steps a migrate or rollback ran (or would). */
export interface SetReport {
  readonly name: string;
  readonly dir: string;
  readonly status?: readonly MigrationStatusRow[];
  readonly steps?: MigrationResult['steps'];
  /** The failure of this set's run: DB_MIGRATION_FAILED or DB_MIGRATIONS_DIVERGED. */
  readonly error?: { readonly code: string; readonly message: string; readonly migration?: string };
}

export interface DatabaseReport {
  readonly service: string;
  readonly url: string;
  readonly kind: 'postgres' | 'pglite';
  /** False for a PGlite directory that does not exist yet (status and dry runs create nothing). */
  readonly exists: boolean;
  readonly sets: readonly SetReport[];
}

export interface DbReport {
  readonly command: DbSubcommand;
  readonly dryRun: boolean;
  readonly ok: boolean;
  readonly databases: readonly DatabaseReport[];
}

const isPostgres = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/**
 * `bulwark db status|migrate|rollback`. Exit 0 when every set did what was asked, 1 when a
 * migration failed (its run rolled back) or a database records migrations its set lacks, 2 on
 * bad input, an unreachable database, or a PGlite directory a running process holds.
 */
export async function runDb(
  sub: DbSubcommand,
  flags: DbFlags,
  setExitCode: SetExitCode,
): Promise<void> {
  const steps = parseSteps(sub, flags);
  if (sub === 'status' && flags.dryRun)
    throw new UsageError('--dry-run goes with migrate and rollback');
  const targets = await resolveTargets(flags);
  const db = await import('@bulwark/db');
  const sets = new Map<string, MigrationSet>();
  for (const target of targets) {
    for (const set of target.sets) {
      try {
        sets.set(set.dir, db.MigrationSet.fromDirectory(set.name, set.dir));
      } catch (error) {
        throw new UsageError(scoped(target.service, (error as Error).message));
      }
    }
  }

  const terminal = createTerminal();
  const databases: DatabaseReport[] = [];
  for (const target of targets) {
    terminal.progress(`${target.service}: ${db.displayUrl(target.url)}`);
    try {
      databases.push(
        await runTarget(db, sub, target, sets, { steps, dryRun: flags.dryRun === true }, flags),
      );
    } finally {
      terminal.progressDone();
    }
  }
  const report: DbReport = {
    command: sub,
    dryRun: flags.dryRun === true,
    ok: databases.every((d) => d.sets.every((s) => !s.error)),
    databases,
  };
  terminal.out(flags.format === 'json' ? JSON.stringify(report, null, 2) : renderText(report));
  setExitCode(report.ok ? EXIT.ok : EXIT.checksFailed);
}

function parseSteps(sub: DbSubcommand, flags: DbFlags): number {
  // Only rollback has --steps (commander refuses it elsewhere).
  if (sub !== 'rollback' || flags.steps === undefined) return 1;
  const steps = Number(flags.steps);
  if (!/^\d+$/.test(flags.steps) || !Number.isSafeInteger(steps) || steps < 1) {
    throw new UsageError(`--steps ${flags.steps}: give a whole number of migrations, 1 or more`);
  }
  return steps;
}

type DbModule = typeof import('@bulwark/db');

async function runTarget(
  db: DbModule,
  sub: DbSubcommand,
  target: DbTarget,
  sets: ReadonlyMap<string, MigrationSet>,
  options: { steps: number; dryRun: boolean },
  flags: DbFlags,
): Promise<DatabaseReport> {
  const kind = isPostgres(target.url) ? 'postgres' : 'pglite';
  const shown = db.displayUrl(target.url);
  const setsOf = target.sets.map((s) => sets.get(s.dir) as MigrationSet);
  // Looking must not create: status, dry runs and rollbacks leave a missing PGlite directory alone.
  const missing =
    kind === 'pglite' && target.url !== 'memory://' && !existsSync(join(target.url, 'PG_VERSION'));
  if (missing && (sub !== 'migrate' || options.dryRun)) {
    return {
      service: target.service,
      url: shown,
      kind,
      exists: false,
      sets: setsOf.map((set, i) => ({
        name: set.name,
        dir: target.sets[i]?.dir ?? '',
        ...(sub === 'status'
          ? {
              status: set.migrations.map((m) => ({
                name: m.name,
                applied: false,
                appliedAt: null,
                inSet: true,
              })),
            }
          : {
              steps:
                sub === 'migrate'
                  ? set.migrations.map((m) => ({
                      name: m.name,
                      direction: 'up' as const,
                      file: m.upFile,
                      sql: m.up,
                    }))
                  : [],
            }),
      })),
    };
  }
  let database: Database;
  try {
    database = await db.openDatabase({
      url: target.url,
      name: target.service,
      // PGlite must load the extensions a schema uses to open it; creating them is the
      // migrations' business (and a status or dry run creates nothing).
      extensions: kind === 'pglite' ? ['vector'] : [],
      createExtensions: false,
      pool: { max: 2 },
    });
  } catch (error) {
    const e = error as DatabaseError;
    if (e.code === 'DB_IN_USE') {
      const pid = db.DataDirectoryLock.holder(target.url);
      const holder = pid === undefined ? undefined : serviceOfPid(flags.stack, pid);
      throw new UsageError(
        `${target.service}: ${shown} is held by ${holder ? `the running ${holder} service (process ${pid})` : `process ${pid ?? 'unknown'}`}; ` +
          'PGlite serves one process: stop it first (or run the service on PostgreSQL)',
      );
    }
    throw new UsageError(scoped(target.service, e.message));
  }
  try {
    const reports: SetReport[] = [];
    for (const [i, set] of setsOf.entries()) {
      const dir = target.sets[i]?.dir ?? '';
      try {
        if (sub === 'status') {
          reports.push({ name: set.name, dir, status: await db.migrationStatus(database, set) });
        } else {
          const result =
            sub === 'migrate'
              ? await db.migrateToLatest(database, set, { dryRun: options.dryRun })
              : await db.rollback(database, set, { steps: options.steps, dryRun: options.dryRun });
          reports.push({ name: set.name, dir, steps: result.steps });
        }
      } catch (error) {
        const e = error as DatabaseError;
        if (e.code === 'DB_BAD_ARGUMENT') throw new UsageError(e.message);
        if (e.code !== 'DB_MIGRATION_FAILED' && e.code !== 'DB_MIGRATIONS_DIVERGED') {
          throw new UsageError(scoped(target.service, e.message));
        }
        reports.push({
          name: set.name,
          dir,
          steps: [],
          error: {
            code: e.code,
            message: e.message,
            ...(e.migration ? { migration: e.migration } : {}),
          },
        });
      }
    }
    return { service: target.service, url: shown, kind, exists: true, sets: reports };
  } finally {
    await database.close();
  }
}

/** The stack service whose pid file (written by `bulwark up`) names `pid`, if any. */
function serviceOfPid(stackFile: string, pid: number): string | undefined {
  const dir = defaultPidDir(resolve(stackFile));
  try {
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.pid')) continue;
      if (readFileSync(join(dir, file), 'utf8').trim() === String(pid)) return file.slice(0, -4);
    }
  } catch {
    // No pid files: not started by `up`.
  }
  return undefined;
}

function renderText(report: DbReport): string {
  const lines: string[] = [];
  const here = process.cwd();
  const rel = (path: string) => {
    const r = relative(here, path);
    return r.startsWith('..') ? path : r || '.';
  };
  if (report.dryRun) lines.push('-- dry run: nothing was executed; this is the SQL that would run');
  for (const d of report.databases) {
    const where = `${d.service} (${d.kind} ${d.kind === 'pglite' && d.url !== 'memory://' ? rel(d.url) : d.url})${d.exists ? '' : ' — no database yet'}`;
    lines.push(report.dryRun ? `-- ${where}` : where);
    if (d.sets.length === 0)
      lines.push(report.dryRun ? '--   no migration sets' : '  no migration sets');
    for (const s of d.sets) {
      const head = `set ${s.name} (${rel(s.dir)})`;
      if (s.status) {
        lines.push(`  ${head}`);
        if (s.status.length === 0) lines.push('    no migrations');
        const width = Math.max(0, ...s.status.map((r) => r.name.length));
        for (const r of s.status) {
          const state = !r.inSet ? 'unknown' : r.applied ? 'applied' : 'pending';
          const when = r.appliedAt ? `  ${r.appliedAt.toISOString()}` : '';
          const note = r.inSet ? '' : '  (recorded by the database, not in this set)';
          lines.push(`    ${state.padEnd(8)}${r.name.padEnd(width)}${when}${note}`.trimEnd());
        }
      } else if (s.error) {
        lines.push(`  ${head}: FAILED (${s.error.code}): ${s.error.message}`);
      } else if (report.dryRun) {
        if (s.steps?.length === 0) lines.push(`--   ${head}: nothing to do`);
        for (const step of s.steps ?? []) {
          lines.push(
            `-- ${d.service} / ${s.name}: ${step.name} ${step.direction} (${rel(step.file)})`,
          );
          lines.push(step.sql.trimEnd());
        }
      } else {
        const verb = report.command === 'migrate' ? 'applied' : 'rolled back';
        const done = s.steps?.map((step) => step.name) ?? [];
        lines.push(
          `  ${head}: ${done.length === 0 ? (report.command === 'migrate' ? 'up to date' : 'nothing to roll back') : `${verb} ${done.join(', ')}`}`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** A cause prefixed by the target it is about, once: @bulwark/db's messages already name it. */
function scoped(service: string, message: string): string {
  return message.startsWith(`${service}: `) ? message : `${service}: ${message}`;
}
