import { ConfigError } from '@bulwark/kit';
import { EmbeddingsConfigError, embeddingsConfigFromEnv } from '@bulwark/memory';

/** Runs `build` and reports a bad embeddings setting as the kit's ConfigError (one line, exit 1). */
export function asConfigError<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof EmbeddingsConfigError)
      throw new ConfigError(error.message, { cause: error });
    throw error;
  }
}

/** Checks GPU_ENABLED and BULWARK_EMBEDDINGS_* without building anything. */
export function checkEmbeddingsConfig(env: NodeJS.ProcessEnv): void {
  asConfigError(() => embeddingsConfigFromEnv(env));
}
