import type { Kysely } from 'kysely';

export type DatabaseKind = 'postgres' | 'pglite';
export type DatabaseExtension = 'vector';

export interface OpenDatabaseOptions {
  /** A postgres:// URL; otherwise a PGlite data directory; `memory://` is PGlite in RAM. */
  url: string;
  /** Who uses it (service or package): the metrics label and the subject of error messages. */
  name: string;
  /**
   * Extensions the schema needs. PGlite loads their bundled builds; on both stores the database
   * then runs CREATE EXTENSION IF NOT EXISTS (DB_EXTENSION_UNAVAILABLE when the server has none).
   */
  extensions?: readonly DatabaseExtension[];
  /**
   * false: only load the PGlite builds of `extensions` (so a schema that uses them opens) and
   * create nothing: for tools that must not change the database (`bulwark db status`, dry runs),
   * whose migrations create the extensions themselves. Default true.
   */
  createExtensions?: boolean;
  /** PostgreSQL pool settings (PGlite is one connection whatever these say). */
  pool?: { max?: number; connectionTimeoutMs?: number; idleTimeoutMs?: number };
}

/** Connections of the pool right now. PGlite reports max 1, size 1. */
export interface PoolStats {
  max: number;
  size: number;
  inUse: number;
  idle: number;
  waiting: number;
}

// biome-ignore lint/suspicious/noExplicitAny: Kysely's own default: without a schema type, tables are untyped
export interface Database<DB = any> {
  readonly kind: DatabaseKind;
  readonly name: string;
  /** The URL without its password. */
  readonly displayUrl: string;
  readonly kysely: Kysely<DB>;
  poolStats(): PoolStats;
  /** Closes what this Database owns (for a wrapped pool or PGlite: nothing but Kysely). */
  close(): Promise<void>;
}
