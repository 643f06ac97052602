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
export { type FieldProblem, PROBLEM_CONTENT_TYPE, type ProblemDetails } from './http/problem.js';
export type { ShutdownOutcome } from './lifecycle/shutdown.js';
export type { TaskFn } from './lifecycle/tasks.js';
export { createLogger, type Logger } from './logging/logger.js';
export { REDACTED, redact, scrubString } from './logging/redact.js';
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
export { runService } from './run.js';
export type { LifecycleState, ReadyVerdict, RuntimeOptions } from './runtime.js';
export { firstSchemaError, jsonPointerPath } from './schema-errors.js';
export { createService, Service, type ServiceOptions } from './service.js';
export { type MessageHeaders, Tracing } from './tracing/tracing.js';
export { createWorker, Worker, type WorkerOptions } from './worker.js';
