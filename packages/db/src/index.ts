export type {
  Database,
  DatabaseExtension,
  DatabaseKind,
  OpenDatabaseOptions,
  PoolStats,
} from './database.js';
export {
  type ColumnDescription,
  describeSchema,
  type SchemaDescription,
} from './describe-schema.js';
export { DataDirectoryLock } from './directory-lock.js';
export { DatabaseError, type DatabaseErrorCode } from './errors.js';
export {
  baseline,
  type MigrationResult,
  type MigrationStatusRow,
  type MigrationStep,
  migrateToLatest,
  migrationStatus,
  rollback,
} from './migrate.js';
export { type MigrationFile, MigrationSet } from './migration-set.js';
export { openDatabase, wrapDatabase } from './open.js';
export { PgliteDialect } from './pglite-dialect.js';
export { registerPoolMetrics } from './pool-metrics.js';
export { absoluteDatabaseUrl, databaseUrlFromEnv, displayUrl, isPostgresUrl } from './url.js';
