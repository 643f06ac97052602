export { buildCoreApi, CORE_API_VERSION, type CoreApiOptions } from './app.js';
export { type AuditEvent, type AuditTrail, LedgerAuditTrail } from './audit.js';
export { CacheMetrics } from './cache-metrics.js';
export { CoreApiDatabase, coreApiMigrations } from './database.js';
export type {
  CacheLookup,
  FillTicket,
  ItemCache,
  ItemCacheOptions,
  WriteFence,
} from './item-cache.js';
export { Item, type ItemStore, NewItem } from './items.js';
export { type CoreApiSchema, type ItemsTable, KyselyItemStore } from './kysely-item-store.js';
export { MemoryItemCache } from './memory-item-cache.js';
export { ReadThroughItems } from './read-through-items.js';
export { RedisItemCache, type RedisItemCacheOptions } from './redis-item-cache.js';
export type { ItemCacheSettings } from './wire-items.js';
