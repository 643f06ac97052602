import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { DataDirectoryLock } from './directory-lock.js';
import type { Row, SqlDriver, SqlQueryable } from './driver.js';

/**
 * Embedded PostgreSQL (PGlite) in a data directory, or in memory for `memory://`. PGlite has one
 * connection, so transactions are serialized by PGlite itself.
 *
 * Durability: PGlite's Node filesystem writes through to the OS on every write, but Emscripten
 * turns PostgreSQL's fsync into a no-op, so a commit would survive kill -9 and not a power loss.
 * After each transaction this driver therefore fdatasyncs the current WAL segment itself (and
 * the previous one when the WAL moved on), so an acknowledged commit is on stable storage.
 */
export class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  readonly db: PGlite;
  readonly #walDir: string | undefined;
  readonly #lock: DataDirectoryLock | undefined;
  #lastSegment: string | undefined;

  private constructor(db: PGlite, walDir: string | undefined, lock: DataDirectoryLock | undefined) {
    this.db = db;
    this.#walDir = walDir;
    this.#lock = lock;
  }

  /** Opens the directory (exclusively: see DataDirectoryLock) or, for `memory://`, memory. */
  static async open(dataDir: string): Promise<PgliteDriver> {
    // Loaded on first use: PGlite takes about 0.3 s to import, which every CLI command that only
    // talks to PostgreSQL would otherwise pay.
    const { PGlite } = await import('@electric-sql/pglite');
    if (dataDir === 'memory://') {
      const db = new PGlite();
      await db.waitReady;
      return new PgliteDriver(db, undefined, undefined);
    }
    mkdirSync(dataDir, { recursive: true });
    const lock = DataDirectoryLock.acquire(dataDir);
    try {
      const db = new PGlite(dataDir);
      await db.waitReady;
      return new PgliteDriver(db, join(resolve(dataDir), 'pg_wal'), lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const result = await this.db.query<R>(text, params as unknown[] | undefined);
    return result.rows;
  }

  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const value = await this.db.transaction(async (transaction) =>
      fn({
        query: async <R extends Row = Row>(text: string, params?: readonly unknown[]) =>
          (await transaction.query<R>(text, params as unknown[] | undefined)).rows,
        exec: async (text: string) => {
          await transaction.exec(text);
        },
      }),
    );
    await this.#syncWal();
    return value;
  }

  async #syncWal(): Promise<void> {
    if (!this.#walDir) return;
    const [row] = (
      await this.db.query<{ segment: string }>(
        'SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS segment',
      )
    ).rows;
    const segment = row?.segment;
    if (!segment) return;
    const segments =
      this.#lastSegment && this.#lastSegment !== segment ? [this.#lastSegment, segment] : [segment];
    for (const name of segments) {
      const file = await open(join(this.#walDir, name), 'r+');
      try {
        await file.datasync();
      } finally {
        await file.close();
      }
    }
    this.#lastSegment = segment;
  }

  withLock<T>(_key: number, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      this.#lock?.release();
    }
  }
}
