import { type Database, type MigrationResult, MigrationSet, migrateToLatest } from '@bulwark/db';

/** The memory schema's migrations (set name 'memory': tables memory_migrations and _lock). */
export function memoryMigrations(): MigrationSet {
  return MigrationSet.fromDirectory('memory', new URL('./migrations/', import.meta.url));
}

/** Brings the memory schema up to date, under the migrator's lock. */
export function migrateMemory(db: Database): Promise<MigrationResult> {
  return migrateToLatest(db, memoryMigrations());
}
