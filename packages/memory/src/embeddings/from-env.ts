import { readFileSync } from 'node:fs';
import { type EmbeddingsConfig, embeddingsConfigFromEnv } from './config.js';
import { EmbeddingsConfigError } from './errors.js';
import type { EmbeddingsHttpClient } from './http-client.js';
import { LocalHashEmbeddingProvider } from './local-hash.js';
import { OpenAiCompatibleEmbeddingProvider } from './openai-compatible.js';
import type { EmbeddingProvider } from './provider.js';
import { EmbeddingRouter, type EmbeddingRouterOptions } from './router.js';

export interface EmbeddingsFromEnvOptions {
  /** The kit's service.http (retries, breaker, timeouts); default: fetch, one attempt. */
  client?: EmbeddingsHttpClient;
  /** Told about each GPU failure; the service logs it (no texts or vectors are passed). */
  onGpuFailure?: EmbeddingRouterOptions['onGpuFailure'];
}

export interface EmbeddingsFromConfigOptions extends EmbeddingsFromEnvOptions {
  /** The key for endpoints whose config names no key file (embeddingsFromEnv passes the env's). */
  apiKey?: string;
}

/**
 * The router a service embeds through, from GPU_ENABLED and BULWARK_EMBEDDINGS_* (see
 * docs/embeddings.md). Bad values throw EmbeddingsConfigError with a one-line message.
 */
export function embeddingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: EmbeddingsFromEnvOptions = {},
): EmbeddingRouter {
  const config = embeddingsConfigFromEnv(env);
  // Kept out of the config object, which a service may print.
  const apiKey = env.BULWARK_EMBEDDINGS_API_KEY?.trim() || undefined;
  if (apiKey !== undefined && env.BULWARK_EMBEDDINGS_API_KEY_FILE?.trim()) {
    throw new EmbeddingsConfigError(
      'set BULWARK_EMBEDDINGS_API_KEY or BULWARK_EMBEDDINGS_API_KEY_FILE, not both',
    );
  }
  return embeddingsFromConfig(config, apiKey === undefined ? options : { ...options, apiKey });
}

export function embeddingsFromConfig(
  config: EmbeddingsConfig,
  options: EmbeddingsFromConfigOptions = {},
): EmbeddingRouter {
  const endpoint = (
    role: 'cpu' | 'gpu',
    settings: NonNullable<EmbeddingsConfig['cpu']>,
  ): EmbeddingProvider => {
    const apiKey =
      settings.apiKeyFile === undefined ? options.apiKey : readKey(settings.apiKeyFile);
    return new OpenAiCompatibleEmbeddingProvider({
      url: settings.url,
      model: settings.model,
      role,
      sendDimensions: config.sendDimensions,
      timeoutMs: config.timeoutMs,
      maxBatchSize: config.batch.maxSize,
      maxWaitMs: config.batch.maxWaitMs,
      cacheSize: config.cacheSize,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(options.client === undefined ? {} : { client: options.client }),
    });
  };
  const cpu = config.cpu ? endpoint('cpu', config.cpu) : new LocalHashEmbeddingProvider();
  // With GPU_ENABLED=false no GPU provider is even built: nothing can call it.
  const gpu = config.gpuEnabled && config.gpu ? endpoint('gpu', config.gpu) : undefined;
  return new EmbeddingRouter({
    cpu,
    ...(gpu === undefined ? {} : { gpu }),
    gpuEnabled: config.gpuEnabled,
    canaryShare: config.canary.share,
    thresholds: config.canary.thresholds,
    cooldownMs: config.gpuCooldownMs,
    ...(options.onGpuFailure === undefined ? {} : { onGpuFailure: options.onGpuFailure }),
  });
}

function readKey(file: string): string {
  let key: string;
  try {
    key = readFileSync(file, 'utf8').trim();
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new EmbeddingsConfigError(`BULWARK_EMBEDDINGS_API_KEY_FILE ${file}: ${code}`);
  }
  if (key === '')
    throw new EmbeddingsConfigError(`BULWARK_EMBEDDINGS_API_KEY_FILE ${file} is empty`);
  return key;
}
