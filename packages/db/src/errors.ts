/**
 * Why a database operation failed, as a stable `code` callers branch on (the CLI maps them to
 * exit codes, services to problem+json statuses):
 * - DB_BAD_URL: the URL is neither a postgres:// URL, `memory://` nor a usable directory path;
 * - DB_CONNECT_FAILED: the server could not be reached or refused the connection;
 * - DB_IN_USE: a PGlite data directory is open in another live process (see DataDirectoryLock);
 * - DB_EXTENSION_UNAVAILABLE: `CREATE EXTENSION` failed (not installed on that server);
 * - DB_MIGRATIONS_INVALID: a migration directory breaks the naming rules (bad name, missing
 *   down, duplicate number, not a directory);
 * - DB_MIGRATION_FAILED: a migration's SQL failed; `migration` names its file, and the whole
 *   run was rolled back;
 * - DB_MIGRATIONS_DIVERGED: the database records migrations this set does not have, or in
 *   another order (a newer build migrated it, or a file was renamed);
 * - DB_BAD_ARGUMENT: a caller's argument is out of range (rollback steps, baseline target).
 */
export type DatabaseErrorCode =
  | 'DB_BAD_URL'
  | 'DB_CONNECT_FAILED'
  | 'DB_IN_USE'
  | 'DB_EXTENSION_UNAVAILABLE'
  | 'DB_MIGRATIONS_INVALID'
  | 'DB_MIGRATION_FAILED'
  | 'DB_MIGRATIONS_DIVERGED'
  | 'DB_BAD_ARGUMENT';

export class DatabaseError extends Error {
  readonly code: DatabaseErrorCode;
  /** For DB_MIGRATION_FAILED: the file whose SQL failed. */
  readonly migration: string | undefined;

  constructor(
    code: DatabaseErrorCode,
    message: string,
    options?: ErrorOptions & { migration?: string },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
    this.code = code;
    this.migration = options?.migration;
  }
}
