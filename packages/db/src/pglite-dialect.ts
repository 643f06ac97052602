import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * Kysely over PGlite, written here because the published dialects do not fit: kysely-pglite-
 * dialect pins @electric-sql/pglite below 0.5 (we need 0.5.x for its pgvector package), and
 * kysely-pglite pulls in a code-generator CLI we do not use.
 *
 * PGlite is ONE connection in this process. The driver hands it out to one Kysely user at a time
 * (a FIFO of waiters), so a transaction never interleaves with another caller's statements.
 * Transactions run inside PGlite's own `transaction()`, which also holds PGlite's internal mutex:
 * code using the same PGlite instance directly (the ledger's driver) cannot slip a statement
 * into them either. A query without parameters goes through PGlite's `exec` (the simple
 * protocol), so a migration file of many statements runs as one call.
 */
export class PgliteDialect implements Dialect {
  readonly #pglite: PGlite;
  readonly #onDestroy: () => Promise<void>;
  readonly #driver: PgliteDriver;

  constructor(pglite: PGlite, onDestroy: () => Promise<void>) {
    this.#pglite = pglite;
    this.#onDestroy = onDestroy;
    this.#driver = new PgliteDriver(this.#pglite, this.#onDestroy);
  }

  /** In use (0 or 1) and waiting, for pool statistics. */
  get stats(): { inUse: number; waiting: number } {
    return this.#driver.stats;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return this.#driver;
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

class PgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  readonly #onDestroy: () => Promise<void>;
  #held = false;
  readonly #waiters: (() => void)[] = [];

  constructor(pglite: PGlite, onDestroy: () => Promise<void>) {
    this.#connection = new PgliteConnection(pglite);
    this.#onDestroy = onDestroy;
  }

  get stats(): { inUse: number; waiting: number } {
    return { inUse: this.#held ? 1 : 0, waiting: this.#waiters.length };
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#held) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#held = true;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const next = this.#waiters.shift();
    if (next)
      next(); // hand over without releasing: #held stays true
    else this.#held = false;
  }

  beginTransaction(_connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#connection.begin(settings);
  }
  commitTransaction(): Promise<void> {
    return this.#connection.end(true);
  }
  rollbackTransaction(): Promise<void> {
    return this.#connection.end(false);
  }

  destroy(): Promise<void> {
    return this.#onDestroy();
  }
}

/** Thrown inside PGlite's transaction callback to make it roll back; never escapes. */
const ROLLBACK = Symbol('rollback');

class PgliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  #tx: Transaction | undefined;
  #finish: ((commit: boolean) => void) | undefined;
  #done: Promise<void> | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#tx ?? this.#pglite;
    const params = compiled.parameters as unknown[];
    let result: Results<R> | undefined;
    if (params.length === 0) {
      const results = (await target.exec(compiled.sql)) as Results<R>[];
      result = results.at(-1);
    } else {
      result = await target.query<R>(compiled.sql, params);
    }
    return {
      rows: result?.rows ?? [],
      ...(result?.affectedRows !== undefined
        ? { numAffectedRows: BigInt(result.affectedRows) }
        : {}),
    };
  }

  // biome-ignore lint/correctness/useYield: PGlite has no cursors; Kysely's stream() is unsupported.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite: streaming queries are not supported; page with LIMIT instead');
  }

  /** Opens PGlite's transaction() and parks it until end() says commit or roll back. */
  begin(settings: TransactionSettings): Promise<void> {
    return new Promise<void>((started, failed) => {
      const outcome = new Promise<boolean>((decide) => {
        this.#finish = decide;
      });
      this.#done = this.#pglite
        .transaction(async (tx) => {
          if (settings.isolationLevel || settings.accessMode) {
            const parts = [
              settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
              settings.accessMode ?? '',
            ].filter(Boolean);
            await tx.exec(`set transaction ${parts.join(' ')}`);
          }
          this.#tx = tx;
          started();
          if (!(await outcome)) throw ROLLBACK;
        })
        .catch((error: unknown) => {
          if (error !== ROLLBACK) {
            failed(error); // no-op once started
            throw error;
          }
        })
        .finally(() => {
          this.#tx = undefined;
          this.#finish = undefined;
        });
      // A failure before `started` rejects begin(); after it, end() reports it.
      this.#done.catch(() => {});
    });
  }

  async end(commit: boolean): Promise<void> {
    const finish = this.#finish;
    const done = this.#done;
    if (!finish || !done) throw new Error('PGlite: no transaction is open');
    finish(commit);
    await done;
  }
}
