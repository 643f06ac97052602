export {
  CanaryReport,
  CanaryThresholds,
  RouterMode,
} from './canary-report.js';
export { EmbeddingsConfig, embeddingsConfigFromEnv } from './config.js';
export { cosineSimilarity } from './cosine.js';
export { EmbeddingError, type EmbeddingErrorCode, EmbeddingsConfigError } from './errors.js';
export {
  type EmbeddingsFromConfigOptions,
  type EmbeddingsFromEnvOptions,
  embeddingsFromConfig,
  embeddingsFromEnv,
} from './from-env.js';
export {
  type EmbeddingsHttpClient,
  type EmbeddingsHttpRequest,
  type EmbeddingsHttpResponse,
  fetchHttpClient,
} from './http-client.js';
export {
  LOCAL_HASH_MODEL,
  LocalHashEmbeddingProvider,
  type LocalHashOptions,
} from './local-hash.js';
export {
  EmbeddingStatusError,
  embeddingsUrl,
  OpenAiCompatibleEmbeddingProvider,
  type OpenAiCompatibleOptions,
  type OpenAiCompatibleStats,
} from './openai-compatible.js';
export { EMBEDDING_DIMENSIONS, type EmbeddingProvider, type EmbedOptions } from './provider.js';
export {
  DEFAULT_CANARY_THRESHOLDS,
  EmbeddingRouter,
  type EmbeddingRouterOptions,
  type EndpointStatus,
  type RouterStatus,
} from './router.js';
