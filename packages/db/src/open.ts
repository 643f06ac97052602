import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { Database, DatabaseExtension, OpenDatabaseOptions, PoolStats } from './database.js';
import { DataDirectoryLock } from './directory-lock.js';
import { DatabaseError } from './errors.js';
import { PgliteDialect } from './pglite-dialect.js';
import { displayUrl, isPostgresUrl } from './url.js';

// pg is CommonJS and loaded on first use, so importers that only use PGlite (and the CLI's
// other commands) do not pay for it; `require` gives the module an `import` would.
const requireOnUse = createRequire(import.meta.url);

/** PostgreSQL's int8 (bigint, count(*)) type: returned as text by both stores, like pg does. */
const INT8_OID = 20;

/**
 * Opens the database a URL names: PostgreSQL through a pg pool, or PGlite in a data directory
 * (taken exclusively: DB_IN_USE when another live process has it) or in memory (`memory://`).
 * Loads and creates the requested extensions. Results are alike on both: bigint and numeric
 * columns arrive as strings, timestamps as Date, bytea as Uint8Array (a Buffer on PostgreSQL).
 */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's own default: without a schema type, tables are untyped
export async function openDatabase<DB = any>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const db = isPostgresUrl(options.url)
    ? await openPostgres<DB>(options)
    : await openPglite<DB>(options);
  try {
    if (options.createExtensions !== false) await createExtensions(db, options.extensions ?? []);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

async function openPostgres<DB>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const { Pool } = requireOnUse('pg') as typeof pg;
  const pool = new Pool({
    connectionString: options.url,
    max: options.pool?.max ?? 10,
    connectionTimeoutMillis: options.pool?.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: options.pool?.idleTimeoutMs ?? 30_000,
  });
  // An idle client that loses its server emits 'error' on the pool; the next query reports it.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseError(
      'DB_CONNECT_FAILED',
      `${options.name}: cannot connect to ${displayUrl(options.url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return postgresDatabase<DB>(pool, options.name, displayUrl(options.url), true);
}

async function openPglite<DB>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const url = options.url.startsWith('file://') ? new URL(options.url).pathname : options.url;
  if (url.trim() === '' || (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && url !== 'memory://')) {
    throw new DatabaseError(
      'DB_BAD_URL',
      `${options.name}: ${displayUrl(options.url)} is not a postgres:// URL, memory:// or a directory`,
    );
  }
  // Loaded on first use: PGlite takes about 0.3 s to import.
  const { PGlite } = await import('@electric-sql/pglite');
  const extensions: Record<string, unknown> = {};
  if (options.extensions?.includes('vector')) {
    extensions.vector = (await import('@electric-sql/pglite-pgvector')).vector;
  }
  const pgliteOptions = {
    extensions: extensions as never,
    parsers: { [INT8_OID]: (value: string) => value },
  };
  if (url === 'memory://') {
    const pglite = new PGlite(pgliteOptions);
    await pglite.waitReady;
    return pgliteDatabase<DB>(pglite, options.name, url, () => pglite.close());
  }
  mkdirSync(url, { recursive: true });
  const lock = DataDirectoryLock.acquire(url, 'stop it first (PGlite serves one process)');
  try {
    const pglite = new PGlite(url, pgliteOptions);
    await pglite.waitReady;
    return pgliteDatabase<DB>(pglite, options.name, url, async () => {
      try {
        await pglite.close();
      } finally {
        lock.release();
      }
    });
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * A Database over a pg pool or a PGlite instance someone else owns (the ledger's driver): close()
 * ends Kysely only, never the pool or PGlite. For PGlite the caller has loaded any extensions.
 */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's own default: without a schema type, tables are untyped
export function wrapDatabase<DB = any>(
  target: { pool: pg.Pool } | { pglite: PGlite },
  options: { name: string; displayUrl?: string },
): Database<DB> {
  if ('pool' in target) {
    return postgresDatabase<DB>(
      target.pool,
      options.name,
      options.displayUrl ?? 'postgres://',
      false,
    );
  }
  return pgliteDatabase<DB>(
    target.pglite,
    options.name,
    options.displayUrl ?? 'pglite',
    async () => {},
  );
}

function postgresDatabase<DB>(
  pool: pg.Pool,
  name: string,
  shownUrl: string,
  owned: boolean,
): Database<DB> {
  // Kysely's destroy() ends its pool: hand it a view whose end() does nothing when not ours.
  const view = owned
    ? pool
    : { connect: () => pool.connect(), end: async () => {}, options: pool.options };
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool: view as never }) });
  const max = (pool.options as { max?: number }).max ?? 10;
  return {
    kind: 'postgres',
    name,
    displayUrl: shownUrl,
    kysely,
    poolStats: (): PoolStats => ({
      max,
      size: pool.totalCount,
      inUse: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    close: () => kysely.destroy(),
  };
}

function pgliteDatabase<DB>(
  pglite: PGlite,
  name: string,
  shownUrl: string,
  onClose: () => Promise<void>,
): Database<DB> {
  const dialect = new PgliteDialect(pglite, onClose);
  const kysely = new Kysely<DB>({ dialect });
  return {
    kind: 'pglite',
    name,
    displayUrl: shownUrl,
    kysely,
    poolStats: (): PoolStats => {
      const { inUse, waiting } = dialect.stats;
      return { max: 1, size: 1, inUse, idle: 1 - inUse, waiting };
    },
    close: () => kysely.destroy(),
  };
}

async function createExtensions(db: Database, extensions: readonly DatabaseExtension[]) {
  for (const extension of new Set(extensions)) {
    try {
      await sql.raw(`CREATE EXTENSION IF NOT EXISTS ${extension}`).execute(db.kysely);
    } catch (error) {
      throw new DatabaseError(
        'DB_EXTENSION_UNAVAILABLE',
        `${db.name}: the ${extension} extension is not available on ${db.displayUrl}: ` +
          `${(error as Error).message}` +
          (extension === 'vector' ? ' (install pgvector on that server, or use PGlite)' : ''),
        { cause: error },
      );
    }
  }
}
