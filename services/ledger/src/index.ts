export { buildLedgerService, LEDGER_SERVICE_VERSION, type LedgerServiceOptions } from './app.js';
export {
  type LedgerServiceConfig,
  LedgerServiceConfigSchema,
  ledgerConfigFromEnv,
} from './config.js';
export { openLedgerService } from './open.js';
