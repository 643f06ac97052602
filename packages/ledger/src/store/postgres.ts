import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Row, SqlDriver, SqlQueryable } from './driver.js';

/**
 * pg and pg-copy-streams are loaded by the first PostgreSQL driver, not with the package: imported
 * eagerly they cost every importer of @bulwark/ledger (the verifier, each CLI command, services on
 * PGlite) most of a tenth of a second. `require` keeps the constructor synchronous; both are
 * CommonJS, so this is the module an `import` would give.
 */
const requireOnUse = createRequire(import.meta.url);

export interface PostgresDriverOptions {
  /** Connections in the pool; group commit needs one writer, reads and proofs use the rest. */
  maxConnections?: number;
  /** Milliseconds to wait for a connection before failing. */
  connectTimeoutMs?: number;
}

/** PostgreSQL through a `pg` pool. Appends rely on the server's synchronous_commit for durability. */
export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(connectionString: string, options: PostgresDriverOptions = {}) {
    const { Pool } = requireOnUse('pg') as typeof pg;
    this.pool = new Pool({
      connectionString,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    });
    // An idle client that loses its server emits 'error' on the pool; the next query reports it.
    this.pool.on('error', () => {});
  }

  async query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const result = await this.pool.query(text, params as unknown[] | undefined);
    return result.rows as R[];
  }

  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }

  async copyOut(text: string): Promise<Buffer> {
    const { to: copyTo } = requireOnUse('pg-copy-streams') as typeof import('pg-copy-streams');
    const client = await this.pool.connect();
    let broken = false;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of client.query(copyTo(text))) chunks.push(chunk as Buffer);
      return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    } catch (error) {
      // A COPY that failed midway may leave the connection mid-protocol: do not reuse it.
      broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const tx: SqlQueryable = {
        query: async <R extends Row = Row>(text: string, params?: readonly unknown[]) =>
          (await client.query(text, params as unknown[] | undefined)).rows as R[],
        exec: async (text: string) => {
          await client.query(text);
        },
      };
      const value = await fn(tx);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async withLock<T>(key: number, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {
          broken = true;
        });
      }
    } finally {
      // A connection whose unlock failed may still hold the lock: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
