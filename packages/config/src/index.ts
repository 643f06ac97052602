export {
  ConfigConsumer,
  type ConfigConsumerOptions,
  type ConsumerHealth,
  type ConsumerLogger,
  type ConsumerState,
  type RunningConfig,
} from './consumer.js';
export {
  addConfigHealthReport,
  CONFIG_HEALTH_REPORT,
  type HealthReportHost,
} from './consumer-health.js';
export { CONFIG_APPLY_TOTAL, CONFIG_VERSION } from './consumer-metrics.js';
export {
  CONFIG_RESTART_EXIT_CODE,
  restartThroughShutdown,
  type ShutdownHost,
} from './consumer-restart.js';
export { type ConfigDocument, schemaChecks } from './consumer-schema-checks.js';
export { type ConfigErrorCode, ConfigRegistryError } from './errors.js';
export {
  explainAll,
  explainKey,
  formatExplanation,
  type KeyExplanation,
  type OverriddenValue,
} from './explain.js';
export {
  type RemoteOverride,
  type ResolveConfigOptions,
  type ResolvedConfig,
  resolveConfig,
} from './layers.js';
export type { ConfigLayer, LayerContribution, ValueSource } from './layers-merge.js';
export { type Clock, systemClock } from './rollout/clock.js';
export { type DocumentChange, diffDocuments } from './rollout/diff.js';
export { canonicalJson, documentDigest } from './rollout/digest.js';
export {
  DEFAULT_ROLLOUT_SETTINGS,
  type EngineLogger,
  RolloutEngine,
  type RolloutEngineOptions,
  type RolloutSettings,
  type StartRolloutRequest,
} from './rollout/engine.js';
export { type HealthCheck, type HealthVerdict, httpHealthCheck } from './rollout/health.js';
export { type ConfigOverview, registryOverview } from './rollout/overview.js';
export {
  type PublishRequest,
  prepareVersion,
  publishConfigVersion,
  schemaFor,
} from './rollout/publish.js';
export {
  ENGINE_ACTOR,
  type InstanceRecord,
  type PendingEvent,
  type RegistryEvent,
  ROLLOUT_STATES,
  type RolloutKind,
  type RolloutPhase,
  type RolloutRecord,
  type RolloutState,
  type TargetRecord,
  type VersionSummary,
} from './rollout/records.js';
export {
  checkPlan,
  DEFAULT_STAGE_PLAN,
  planStages,
  type StageSize,
} from './rollout/stage-plan.js';
export {
  type AckStatus,
  type HealthStatus,
  type InstanceRolloutStatus,
  loadRolloutStatus,
  type RolloutStatus,
  rolloutStatus,
} from './rollout/status.js';
export {
  configRegistryMigrations,
  type NewVersion,
  type RegistryFeed,
  RegistryStore,
} from './rollout/store.js';
export { BUILT_IN_CONFIG_SCHEMAS, builtInConfigSchemas } from './schemas/built-in.js';
export { ConfigSection, SecretRef } from './schemas/config-fields.js';
export { NotificationsConfigV1 } from './schemas/notifications.v1.js';
export {
  type ConfigSchemaDefinition,
  type ConfigSchemaEntry,
  ConfigSchemas,
} from './schemas.js';
export {
  ENV_KEYWORD,
  type EnvBinding,
  type EnvValueType,
  RESTART_KEYWORD,
  SECRET_KEYWORD,
} from './schemas-annotations.js';
export { keyToPointer, pointerToKey } from './schemas-pointer.js';
export { configSchemaFileName, publishedConfigSchemas } from './schemas-published.js';
export { restartKeysChanged } from './schemas-restart-keys.js';
export { resolveSecretReferences, type SecretSource } from './secrets-at-apply.js';
export {
  type ConfigFeedRoutes,
  type ConfigFeedRoutesOptions,
  registerConfigFeedRoutes,
} from './transport/config-feed-routes.js';
export {
  CONFIG_FEED_PATHS,
  CONFIG_FEED_PROTOCOL,
} from './transport/config-feed-schemas.js';
export {
  EmbeddedMessageLog,
  type EmbeddedMessageLogOptions,
} from './transport/embedded-log.js';
export {
  EmbeddedConfigTransport,
  type EmbeddedConfigTransportOptions,
} from './transport/embedded-transport.js';
export {
  CONFIG_TRANSPORT_ENV,
  configTransportFromEnv,
  type TransportFromEnvOptions,
} from './transport/from-env.js';
export {
  HttpConfigTransport,
  type HttpConfigTransportOptions,
} from './transport/http-transport.js';
export { checkConfigName, checkInstanceId, isConfigName } from './transport/names.js';
export {
  NatsConfigTransport,
  type NatsConfigTransportOptions,
} from './transport/nats-transport.js';
export {
  configTransportMigrations,
  PostgresConfigTransport,
  type PostgresConfigTransportOptions,
} from './transport/postgres-transport.js';
export type {
  ConfigTransport,
  Delivery,
  RegistryFeedOptions,
  TransportErrorReporter,
  Unsubscribe,
} from './transport/transport.js';
export type {
  Ack,
  AckResult,
  ApplyMessage,
  ApplyReason,
  ConfigName,
  ConfigVersion,
  Presence,
} from './types.js';
export {
  type ConfigProblem,
  documentProblem,
  validateDocument,
} from './validate.js';
