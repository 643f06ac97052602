export { buildMemuCore, MEMU_CORE_VERSION, type MemuCoreOptions } from './app.js';
export {
  type MemuCoreConfig,
  MemuCoreConfigSchema,
  memuCoreConfigFromEnv,
} from './config.js';
export { LegalHoldError, MemoryClosedError, RetentionPolicyNotFoundError } from './errors.js';
export {
  LedgerRecorder,
  MEMU_CORE_STREAM,
  type MemoryEvent,
  type MemoryRecorder,
  noRecorder,
} from './ledger-recorder.js';
export { openMemuCore } from './open.js';
export { MAX_BATCH, MAX_CONTENT_CHARS, MAX_K, VECTOR_DIMENSIONS } from './routes/schemas.js';
