export type { CompressionSettings } from './compression.js';
export { contentDigest } from './content-digest.js';
export * from './embeddings/index.js';
export {
  MemoryConflictError,
  MemoryError,
  MemoryInputError,
  MemoryLegalHoldError,
  MemoryNoEmbeddingsError,
  MemoryNotFoundError,
} from './errors.js';
export {
  DEFAULT_COMPRESSION,
  DEFAULT_GUARD,
  MemoryJobs,
  type MemoryJobsOptions,
  type RecallGuardSettings,
} from './jobs.js';
export { type MemoryStatusSource, registerMemoryMetrics } from './metrics.js';
export { memoryMigrations, migrateMemory } from './migrations.js';
export { PgBossScheduler, type PgBossSchedulerOptions } from './pg-boss-scheduler.js';
export {
  InProcessScheduler,
  type InProcessSchedulerOptions,
  type JobRunner,
  type JobScheduler,
} from './scheduler.js';
export { type CreateJobSchedulerOptions, createJobScheduler } from './scheduler-for.js';
export type { SearchSettings } from './search-sql.js';
export { DEFAULT_SEARCH_SETTINGS, MemoryStore, type MemoryStoreOptions } from './store.js';
export type * from './types.js';
export { MEMORY_DIMENSIONS } from './vector-text.js';
