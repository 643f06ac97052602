export { buildConfigRegistry, CONFIG_REGISTRY_VERSION, type ConfigRegistryOptions } from './app.js';
export {
  type ConfigRegistryConfig,
  ConfigRegistryConfigSchema,
  configRegistryConfigFromEnv,
  type TransportChoice,
  type TransportFromEnv,
} from './config.js';
export { RegistryRefusal, refusing, STATUS_OF, TransportRequiredError } from './errors.js';
export { LedgerOutbox } from './ledger-outbox.js';
export {
  CONFIG_REGISTRY_STREAM,
  LedgerRecorder,
  ledgerActor,
  noRecorder,
  type RegistryRecorder,
} from './ledger-recorder.js';
export { RegistryMetrics } from './metrics.js';
export { RegistryMonitor } from './monitor.js';
export { type OpenConfigRegistryOptions, openConfigRegistry, REGISTRY_NAME } from './open.js';
export { MAX_PAGE } from './routes/schemas.js';
