export { buildCoreApi, CORE_API_VERSION, type CoreApiOptions } from './app.js';
export { type AuditEvent, type AuditTrail, LedgerAuditTrail } from './audit.js';
export { type ItemStore, MemoryItemStore } from './items.js';
