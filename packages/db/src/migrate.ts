import { type Kysely, type Migration, Migrator, NO_MIGRATIONS, sql } from 'kysely';
import type { Database } from './database.js';
import { DatabaseError } from './errors.js';
import type { MigrationFile, MigrationSet } from './migration-set.js';

/** One migration run (or, in a dry run, that would run) in one direction. */
export interface MigrationStep {
  readonly name: string;
  readonly direction: 'up' | 'down';
  /** The .up.sql or .down.sql file. */
  readonly file: string;
  readonly sql: string;
}

export interface MigrationResult {
  readonly set: string;
  readonly dryRun: boolean;
  /** In the order they ran (or would run). Empty: nothing to do. */
  readonly steps: readonly MigrationStep[];
}

export interface MigrationStatusRow {
  readonly name: string;
  readonly applied: boolean;
  readonly appliedAt: Date | null;
  /** False for a migration the database records but this set lacks (a newer build ran it). */
  readonly inSet: boolean;
}

/**
 * Kysely's migrator with the set's own bookkeeping tables. Kysely runs every pending migration
 * of a call in ONE transaction (PostgreSQL has transactional DDL) under a PostgreSQL advisory
 * lock, so concurrent starters agree and a failing file leaves the schema as it was.
 */
function migratorFor(db: Database, set: MigrationSet): Migrator {
  const migrations: Record<string, Migration> = {};
  for (const m of set.migrations) {
    migrations[m.name] = {
      // No parameters: both drivers send the file as one simple-protocol script.
      up: (k: Kysely<unknown>) =>
        sql
          .raw(m.up)
          .execute(k)
          .then(() => {}),
      down: (k: Kysely<unknown>) =>
        sql
          .raw(m.down)
          .execute(k)
          .then(() => {}),
    };
  }
  return new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: set.tableName,
    migrationLockTableName: set.lockTableName,
  });
}

/** Applies every migration not yet applied; with dryRun, returns their SQL and runs nothing. */
export async function migrateToLatest(
  db: Database,
  set: MigrationSet,
  options: { dryRun?: boolean } = {},
): Promise<MigrationResult> {
  if (options.dryRun) {
    const applied = await appliedInOrder(db, set);
    const pending = set.migrations.slice(applied.length);
    return { set: set.name, dryRun: true, steps: pending.map((m) => step(m, 'up')) };
  }
  const outcome = await migratorFor(db, set).migrateToLatest();
  return finish(db, set, outcome, 'up');
}

/** Rolls back the last `steps` (default 1) applied migrations, newest first, in one transaction. */
export async function rollback(
  db: Database,
  set: MigrationSet,
  options: { steps?: number; dryRun?: boolean } = {},
): Promise<MigrationResult> {
  const steps = options.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new DatabaseError(
      'DB_BAD_ARGUMENT',
      `rollback steps must be a whole number ≥ 1, not ${steps}`,
    );
  }
  const applied = await appliedInOrder(db, set);
  if (applied.length === 0) return { set: set.name, dryRun: options.dryRun === true, steps: [] };
  if (steps > applied.length) {
    throw new DatabaseError(
      'DB_BAD_ARGUMENT',
      `${db.name}: cannot roll back ${steps} migrations of ${set.name}: ${applied.length} applied`,
    );
  }
  if (options.dryRun) {
    const undone = applied.slice(applied.length - steps).reverse();
    return { set: set.name, dryRun: true, steps: undone.map((m) => step(m, 'down')) };
  }
  const target = applied[applied.length - steps - 1]?.name ?? NO_MIGRATIONS;
  const outcome = await migratorFor(db, set).migrateTo(target);
  return finish(db, set, outcome, 'down');
}

/** Every migration of the set, applied or not, plus any the database records that the set lacks. */
export async function migrationStatus(
  db: Database,
  set: MigrationSet,
): Promise<MigrationStatusRow[]> {
  const recorded = await recordedMigrations(db, set);
  const at = new Map(recorded.map((r) => [r.name, r.appliedAt]));
  const rows: MigrationStatusRow[] = set.migrations.map((m) => ({
    name: m.name,
    applied: at.has(m.name),
    appliedAt: at.get(m.name) ?? null,
    inSet: true,
  }));
  for (const r of recorded) {
    if (!set.find(r.name))
      rows.push({ name: r.name, applied: true, appliedAt: r.appliedAt, inSet: false });
  }
  return rows;
}

/**
 * Records the set's migrations up to and including `upToName` as applied WITHOUT running them:
 * for a database whose schema an earlier mechanism already made (the ledger's own
 * `ledger_schema_migrations`). Idempotent, and serialized with running migrators by Kysely's
 * advisory lock. Returns the names newly recorded.
 */
export async function baseline(
  db: Database,
  set: MigrationSet,
  upToName: string,
): Promise<string[]> {
  const last = set.migrations.findIndex((m) => m.name === upToName);
  if (last < 0) {
    throw new DatabaseError(
      'DB_BAD_ARGUMENT',
      `baseline: ${set.name} has no migration ${upToName}`,
    );
  }
  const names = set.migrations.slice(0, last + 1).map((m) => m.name);
  return db.kysely.transaction().execute(async (trx) => {
    // The key Kysely's PostgreSQL adapter locks for every migration run (see postgres-adapter.js).
    await sql`select pg_advisory_xact_lock(${sql.lit('3853314791062309107')}::bigint)`.execute(trx);
    await sql`create table if not exists ${sql.table(set.tableName)} (
      name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(trx);
    await sql`create table if not exists ${sql.table(set.lockTableName)} (
      id varchar(255) not null primary key, is_locked integer not null default 0)`.execute(trx);
    await sql`insert into ${sql.table(set.lockTableName)} (id, is_locked)
      values ('migration_lock', 0) on conflict do nothing`.execute(trx);
    const existing = new Set(
      (
        await sql<{ name: string }>`select name from ${sql.table(set.tableName)}`.execute(trx)
      ).rows.map((r) => r.name),
    );
    const added: string[] = [];
    // Kysely orders applied migrations by their timestamps: one millisecond apart keeps the order.
    const start = Date.now();
    for (const [i, name] of names.entries()) {
      if (existing.has(name)) continue;
      await sql`insert into ${sql.table(set.tableName)} (name, timestamp)
        values (${name}, ${new Date(start + i).toISOString()})`.execute(trx);
      added.push(name);
    }
    return added;
  });
}

function step(m: MigrationFile, direction: 'up' | 'down'): MigrationStep {
  return direction === 'up'
    ? { name: m.name, direction, file: m.upFile, sql: m.up }
    : { name: m.name, direction, file: m.downFile, sql: m.down };
}

async function recordedMigrations(
  db: Database,
  set: MigrationSet,
): Promise<{ name: string; appliedAt: Date }[]> {
  const exists = await sql<{
    t: string | null;
  }>`select to_regclass(${set.tableName})::text as t`.execute(db.kysely);
  if (!exists.rows[0]?.t) return [];
  const rows = await sql<{ name: string; timestamp: string }>`
    select name, timestamp from ${sql.table(set.tableName)} order by timestamp, name`.execute(
    db.kysely,
  );
  return rows.rows.map((r) => ({ name: r.name, appliedAt: new Date(r.timestamp) }));
}

/** The applied migrations, which must be the set's first N in order (else DB_MIGRATIONS_DIVERGED). */
async function appliedInOrder(db: Database, set: MigrationSet): Promise<MigrationFile[]> {
  const recorded = await recordedMigrations(db, set);
  return recorded.map((r, i) => {
    const expected = set.migrations[i];
    if (expected?.name !== r.name) {
      throw diverged(
        db,
        set,
        set.find(r.name)
          ? `${r.name} is applied but ${expected?.name ?? 'nothing'} comes before it in the set`
          : `the database has ${r.name} applied, which this set does not have`,
      );
    }
    return expected;
  });
}

function diverged(db: Database, set: MigrationSet, why: string): DatabaseError {
  return new DatabaseError('DB_MIGRATIONS_DIVERGED', `${db.name}: migrations ${set.name}: ${why}`);
}

function finish(
  db: Database,
  set: MigrationSet,
  outcome: { error?: unknown; results?: readonly { migrationName: string; status: string }[] },
  direction: 'up' | 'down',
): MigrationResult {
  if (outcome.error !== undefined) {
    const failed = outcome.results?.find((r) => r.status === 'Error');
    const cause = outcome.error as Error;
    if (failed) {
      const m = set.find(failed.migrationName);
      const file = m ? (direction === 'up' ? m.upFile : m.downFile) : failed.migrationName;
      throw new DatabaseError(
        'DB_MIGRATION_FAILED',
        `${db.name}: ${file} failed: ${cause.message}; the whole run was rolled back`,
        { cause, migration: file },
      );
    }
    if (/corrupted migrations/.test(cause?.message ?? '')) {
      throw diverged(db, set, cause.message.replace(/^corrupted migrations: /, ''));
    }
    throw cause;
  }
  const steps: MigrationStep[] = [];
  for (const r of outcome.results ?? []) {
    const m = set.find(r.migrationName);
    if (r.status === 'Success' && m) steps.push(step(m, direction));
  }
  return { set: set.name, dryRun: false, steps };
}
