/**
 * The SQL surface the ledger needs, implemented over `pg` (PostgreSQL) and PGlite (embedded
 * PostgreSQL). Both speak the same SQL, so the schema, the queries and the verifier are shared.
 */
export type Row = Record<string, unknown>;

export interface SqlQueryable {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements (no parameters). */
  exec(text: string): Promise<void>;
  /**
   * Runs a `COPY … TO STDOUT` statement and returns everything it sent. Only drivers that can
   * stream COPY have it; readers fall back to `query` without it.
   */
  copyOut?(text: string): Promise<Buffer>;
}

export interface SqlDriver extends SqlQueryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` inside BEGIN … COMMIT on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` holding a session-level advisory lock (PostgreSQL), so work that spans several
   * statements and a slow step (an HSM signature) is serialized across processes without holding
   * a transaction open. PGlite is single-process, so there it only runs `fn`.
   */
  withLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** bigint columns arrive as strings from pg and as numbers from PGlite. */
export const toNumber = (value: unknown): number =>
  typeof value === 'number' ? value : Number(value);

export const toBytes = (value: unknown): Uint8Array => {
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`expected bytea, got ${typeof value}`);
};
