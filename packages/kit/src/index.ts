export {
  API_KEY_PREFIX,
  API_KEYS_FORMAT,
  type ApiKeyDocument,
  ApiKeyDocumentSchema,
  type ApiKeyEntry,
  type ApiKeyState,
  type ApiKeySummary,
  addApiKey,
  apiKeyHash,
  apiKeyState,
  emptyApiKeyDocument,
  generateApiKey,
  type IssuedApiKey,
  type NewApiKeyOptions,
  parseApiKeyDocument,
  type RotateApiKeyOptions,
  type RotatedApiKey,
  readApiKeyDocument,
  revokeApiKey,
  rotateApiKey,
  summarizeApiKeys,
  writeApiKeyDocument,
} from './auth/api-keys/index.js';
export {
  type AuthFailureReason,
  AuthUnavailableError,
  type CredentialKind,
  CredentialRejectedError,
  InsufficientScopeError,
  MissingCredentialsError,
  UnsupportedSchemeError,
} from './auth/auth-errors.js';
export { AUTH_FAILURES_METRIC } from './auth/auth-failures-metric.js';
export type { Principal, RouteAuth } from './auth/principal.js';
export {
  MAX_SERVICE_TOKEN_TTL_SEC,
  type MintedServiceToken,
  ServiceTokenIssuer,
  type ServiceTokenIssuerOptions,
  type ServiceTokenRequest,
} from './auth/service-tokens/service-token-issuer.js';
export { SERVICE_TOKEN_PURPOSE, type TokenSigner } from './auth/service-tokens/token-signer.js';
export {
  loadConfig,
  type ServiceConfig,
  type ServiceConfigInput,
  ServiceConfigSchema,
} from './config.js';
export * from './contract.js';
export { envInteger, envList, envSwitch } from './env-values.js';
export {
  BulwarkError,
  ConfigError,
  ConflictError,
  DependencyUnavailableError,
  ForbiddenError,
  JsonTooDeepError,
  MethodNotAllowedError,
  NotFoundError,
  ResponseTooLargeError,
  ShuttingDownError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.js';
export {
  HttpClient,
  type HttpClientOptions,
  type HttpRequestOptions,
  type HttpResponse,
} from './http/client.js';
export {
  LedgerBatchRecorder,
  type LedgerBatchRecorderOptions,
  type LedgerEvent,
} from './http/ledger-batch-recorder.js';
export { type FieldProblem, PROBLEM_CONTENT_TYPE, type ProblemDetails } from './http/problem.js';
export type { ShutdownOutcome } from './lifecycle/shutdown.js';
export type { TaskFn } from './lifecycle/tasks.js';
export type { RouteRateLimit } from './limits/rate-limit-config.js';
export { RateLimitedError, RateLimitStoreUnavailableError } from './limits/rate-limit-errors.js';
export { RATE_LIMIT_HEADERS, RATE_LIMIT_METRICS } from './limits/rate-limiting.js';
export { createLogger, type Logger } from './logging/logger.js';
export { REDACTED, redact, scrubString } from './logging/redact.js';
export type { OpenApiDocument } from './openapi/install-openapi.js';
export {
  KIT_ERROR_CATALOGUE,
  type KitErrorClass,
  type KitErrorEntry,
  type KitErrorOccasion,
} from './openapi/kit-error-catalogue.js';
export { OPENAPI_ENDPOINTS } from './openapi/openapi-endpoints.js';
export { NoHttpApiError, OpenApiDisabledError } from './openapi/openapi-errors.js';
export { PROBLEM_COMPONENT, ProblemSchema } from './openapi/problem-responses.js';
export { SECURITY_SCHEMES } from './openapi/security-schemes.js';
export {
  type HttpProbeOptions,
  httpProbe,
  natsProbe,
  type ProbeOptions,
  postgresProbe,
  redisProbe,
} from './probes/dependencies.js';
export {
  type DependencyProbe,
  dependencyProbe,
  type LivenessCheck,
  type LivenessVerdict,
  livenessCheck,
  type ProbeDetails,
  type ProbeResult,
} from './probes/types.js';
export type { OutboundConfig } from './resilience/outbound-config.js';
export { UpstreamBusyError, UpstreamCircuitOpenError } from './resilience/outbound-errors.js';
export type { BreakerStateName, BreakerView } from './resilience/outbound-metrics.js';
export { OPENAPI_OUT_VARIABLE, runService } from './run.js';
export type { LifecycleState, ReadyVerdict, RuntimeOptions } from './runtime.js';
export { firstSchemaError, jsonPointerPath } from './schema-errors.js';
export {
  AwsSecretsManagerProvider,
  type AwsSecretsManagerProviderOptions,
} from './secrets/aws-provider.js';
export { DirectorySecretProvider } from './secrets/directory-provider.js';
export { EnvironmentSecretProvider, secretVariableName } from './secrets/environment-provider.js';
export {
  SecretFormatError,
  SecretNotFoundError,
  SecretProviderError,
  SecretReferenceError,
  SecretStoreClosedError,
} from './secrets/secret-errors.js';
export type { SecretProvider } from './secrets/secret-provider.js';
export {
  type ParsedSecretReference,
  parseSecretReference,
  SECRET_REFERENCE,
  SecretReference,
} from './secrets/secret-reference.js';
export {
  type RotationCallback,
  SecretStore,
  type SecretStoreOptions,
} from './secrets/secret-store.js';
export { VaultSecretProvider } from './secrets/vault-provider.js';
export { createService, Service, type ServiceOptions } from './service.js';
export { SHEDDING_METRICS, type ShedReason } from './shedding/load-shedder.js';
export { OverloadedError } from './shedding/shedding-errors.js';
export type { CertificateSummary } from './tls/certificate-files.js';
export type { ListenerServer } from './tls/https-server.js';
export {
  type RedirectListener,
  type RedirectListenerOptions,
  startRedirectListener,
} from './tls/redirect-listener.js';
export { securityHeaderList, securityHeaderOptions } from './tls/security-headers.js';
export { type MessageHeaders, Tracing } from './tracing/tracing.js';
export { createWorker, Worker, type WorkerOptions } from './worker.js';
