import {
  baseline,
  type Database,
  MigrationSet,
  migrateToLatest,
  migrationStatus,
  wrapDatabase,
} from '@bulwark/db';
import type { SqlDriver } from './driver.js';
import { PgliteDriver } from './pglite.js';
import { PostgresDriver } from './postgres.js';

/** The role applications connect as: it may read and append, never rewrite. */
export const APP_ROLE = 'bulwark_ledger_app';

/**
 * The ledger's schema: the SQL files in src/migrations/ (NNNN_slug.up.sql and .down.sql), run by
 * @bulwark/db (Kysely's migrator) like every service's schema, on PostgreSQL and PGlite alike.
 * Bookkeeping: `ledger_migrations`. `bulwark db status|migrate|rollback --service ledger` works on it.
 */
export function ledgerMigrations(): MigrationSet {
  ledgerSet ??= MigrationSet.fromDirectory('ledger', new URL('../migrations/', import.meta.url));
  return ledgerSet;
}
let ledgerSet: MigrationSet | undefined;

/** The migrations in order, as `{ version, name, sql }` (the up SQL). */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] =
  ledgerMigrations().migrations.map((m) => ({ version: m.version, name: m.name, sql: m.up }));

/**
 * Before @bulwark/db, schema.ts applied these migrations itself and recorded versions 1 and 2 in
 * `ledger_schema_migrations` (commit e8ce92f). Such a ledger is ADOPTED: the migrations it
 * records are marked applied in `ledger_migrations` without running again.
 */
const LEGACY_TABLE = 'ledger_schema_migrations';

/**
 * Applies the migrations not yet applied, adopting a ledger made before @bulwark/db. Safe to call
 * from many processes at once (the migrator's advisory lock; one transaction per run). Returns
 * how many migrations ran.
 */
export async function migrate(driver: SqlDriver): Promise<number> {
  const db = databaseOf(driver);
  try {
    const set = ledgerMigrations();
    const legacy = await legacyVersions(driver);
    if (legacy) {
      const adopted = set.migrations.filter((m) => legacy.has(m.version)).at(-1);
      if (adopted) await baseline(db, set, adopted.name);
    }
    const result = await migrateToLatest(db, set);
    if (legacy) await mirrorLegacy(driver, db, set);
    return result.steps.length;
  } finally {
    await db.close(); // Kysely only: the driver keeps its pool or PGlite
  }
}

/** The driver's own pool or PGlite instance, seen through @bulwark/db without taking it over. */
function databaseOf(driver: SqlDriver): Database {
  if (driver instanceof PostgresDriver)
    return wrapDatabase({ pool: driver.pool }, { name: 'ledger' });
  if (driver instanceof PgliteDriver)
    return wrapDatabase({ pglite: driver.db }, { name: 'ledger' });
  throw new TypeError(`ledger migrations: unsupported driver ${driver.kind}`);
}

async function legacyVersions(driver: SqlDriver): Promise<Set<number> | undefined> {
  const [exists] = await driver.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    LEGACY_TABLE,
  ]);
  if (!exists?.t) return undefined;
  const rows = await driver.query<{ version: number }>(`SELECT version FROM ${LEGACY_TABLE}`);
  return new Set(rows.map((r) => Number(r.version)));
}

/**
 * Keeps the legacy table telling the truth about the migrations the previous release knows, so
 * that release, if a deployment is rolled back to it, neither re-runs a migration nor skips one.
 */
async function mirrorLegacy(driver: SqlDriver, db: Database, set: MigrationSet): Promise<void> {
  const applied = new Set(
    (await migrationStatus(db, set)).filter((r) => r.applied).map((r) => r.name),
  );
  await driver.transaction(async (tx) => {
    for (const m of set.migrations) {
      if (m.version > 2) continue; // the previous release knows versions 1 and 2 only
      if (applied.has(m.name)) {
        await tx.query(
          `INSERT INTO ${LEGACY_TABLE} (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING`,
          [m.version, m.name],
        );
      } else {
        await tx.query(`DELETE FROM ${LEGACY_TABLE} WHERE version = $1`, [m.version]);
      }
    }
  });
}
