import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CanaryThresholds } from './canary-report.js';
import { EmbeddingsConfigError } from './errors.js';
import { DEFAULT_CANARY_THRESHOLDS } from './router.js';

const Endpoint = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    model: Type.String({ minLength: 1 }),
    /** A file holding the API key (its content is read at start, never logged). */
    apiKeyFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** Everything embeddingsFromEnv reads, validated; embeddingsFromConfig builds from it. */
export const EmbeddingsConfig = Type.Object(
  {
    gpuEnabled: Type.Boolean(),
    /** The CPU endpoint; absent: the local feature-hash provider serves as the CPU side. */
    cpu: Type.Optional(Endpoint),
    gpu: Type.Optional(Endpoint),
    /** Whether requests name `dimensions` (for models that can shorten their output). */
    sendDimensions: Type.Boolean(),
    batch: Type.Object(
      {
        maxSize: Type.Integer({ minimum: 1, maximum: 2048 }),
        maxWaitMs: Type.Integer({ minimum: 0, maximum: 10_000 }),
      },
      { additionalProperties: false },
    ),
    cacheSize: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    timeoutMs: Type.Integer({ minimum: 1, maximum: 600_000 }),
    gpuCooldownMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    canary: Type.Object(
      {
        share: Type.Number({ minimum: 0, maximum: 1 }),
        thresholds: CanaryThresholds,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type EmbeddingsConfig = Static<typeof EmbeddingsConfig>;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the embeddings configuration from environment variables (docs/embeddings.md lists them).
 * A bad value throws EmbeddingsConfigError naming the variable, the value and what is allowed.
 */
export function embeddingsConfigFromEnv(env: Env): EmbeddingsConfig {
  const read = new EnvReader(env);
  const gpuEnabled = read.boolean('GPU_ENABLED', false);
  const cpuUrl = read.url('BULWARK_EMBEDDINGS_URL');
  const gpuUrl = read.url('BULWARK_EMBEDDINGS_GPU_URL');
  const model = read.string('BULWARK_EMBEDDINGS_MODEL');
  const gpuModel = read.string('BULWARK_EMBEDDINGS_GPU_MODEL') ?? model;
  const keyFile = read.string('BULWARK_EMBEDDINGS_API_KEY_FILE');
  const gpuKeyFile = read.string('BULWARK_EMBEDDINGS_GPU_API_KEY_FILE') ?? keyFile;
  const share = read.number('BULWARK_EMBEDDINGS_CANARY_SHARE', 0, { min: 0, max: 1 });
  if (cpuUrl !== undefined && model === undefined) {
    throw new EmbeddingsConfigError(
      'BULWARK_EMBEDDINGS_MODEL is required when BULWARK_EMBEDDINGS_URL is set',
    );
  }
  if (gpuUrl !== undefined && gpuModel === undefined) {
    throw new EmbeddingsConfigError(
      'BULWARK_EMBEDDINGS_GPU_MODEL or BULWARK_EMBEDDINGS_MODEL is required when BULWARK_EMBEDDINGS_GPU_URL is set',
    );
  }
  if (gpuEnabled && share > 0 && gpuUrl === undefined) {
    throw new EmbeddingsConfigError(
      'BULWARK_EMBEDDINGS_CANARY_SHARE is above 0 but BULWARK_EMBEDDINGS_GPU_URL is not set: the canary has nothing to compare',
    );
  }
  const endpoint = (url: string, endpointModel: string, apiKeyFile: string | undefined) =>
    apiKeyFile === undefined
      ? { url, model: endpointModel }
      : { url, model: endpointModel, apiKeyFile };
  const config: EmbeddingsConfig = {
    gpuEnabled,
    ...(cpuUrl === undefined ? {} : { cpu: endpoint(cpuUrl, model!, keyFile) }),
    ...(gpuUrl === undefined ? {} : { gpu: endpoint(gpuUrl, gpuModel!, gpuKeyFile) }),
    sendDimensions: read.boolean('BULWARK_EMBEDDINGS_SEND_DIMENSIONS', false),
    batch: {
      maxSize: read.integer('BULWARK_EMBEDDINGS_BATCH_SIZE', 64, { min: 1, max: 2048 }),
      maxWaitMs: read.integer('BULWARK_EMBEDDINGS_BATCH_WAIT_MS', 5, { min: 0, max: 10_000 }),
    },
    cacheSize: read.integer('BULWARK_EMBEDDINGS_CACHE_SIZE', 10_000, { min: 0, max: 10_000_000 }),
    timeoutMs: read.integer('BULWARK_EMBEDDINGS_TIMEOUT_MS', 10_000, { min: 1, max: 600_000 }),
    gpuCooldownMs: read.integer('BULWARK_EMBEDDINGS_GPU_COOLDOWN_MS', 30_000, {
      min: 0,
      max: 86_400_000,
    }),
    canary: {
      share,
      thresholds: {
        minSamples: read.integer(
          'BULWARK_EMBEDDINGS_CANARY_MIN_SAMPLES',
          DEFAULT_CANARY_THRESHOLDS.minSamples,
          { min: 1, max: 100_000_000 },
        ),
        minMeanCosine: read.number(
          'BULWARK_EMBEDDINGS_CANARY_MIN_MEAN_COSINE',
          DEFAULT_CANARY_THRESHOLDS.minMeanCosine,
          { min: -1, max: 1 },
        ),
        minP05Cosine: read.number(
          'BULWARK_EMBEDDINGS_CANARY_MIN_P05_COSINE',
          DEFAULT_CANARY_THRESHOLDS.minP05Cosine,
          { min: -1, max: 1 },
        ),
        maxFailureRate: read.number(
          'BULWARK_EMBEDDINGS_CANARY_MAX_FAILURE_RATE',
          DEFAULT_CANARY_THRESHOLDS.maxFailureRate,
          { min: 0, max: 1 },
        ),
      },
    },
  };
  // The readers check each value; the schema is the contract the result is held to.
  const problem = Value.Errors(EmbeddingsConfig, config).First();
  if (problem !== undefined) {
    throw new EmbeddingsConfigError(`embeddings configuration ${problem.path}: ${problem.message}`);
  }
  return config;
}

class EnvReader {
  readonly #env: Env;
  constructor(env: Env) {
    this.#env = env;
  }

  string(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new EmbeddingsConfigError(`${name}=${quote(value)} is not true, false, 1 or 0`);
  }

  url(name: string): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new EmbeddingsConfigError(`${name} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new EmbeddingsConfigError(`${name} must be an http:// or https:// URL`);
    }
    if (url.username !== '' || url.password !== '') {
      // The value holds a credential: never repeat it in the message.
      throw new EmbeddingsConfigError(
        `${name} must not carry credentials; put the key in BULWARK_EMBEDDINGS_API_KEY_FILE`,
      );
    }
    return value;
  }

  number(name: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < range.min || parsed > range.max) {
      throw new EmbeddingsConfigError(
        `${name}=${quote(value)} is not a number from ${range.min} to ${range.max}`,
      );
    }
    return parsed;
  }

  integer(name: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < range.min || parsed > range.max) {
      throw new EmbeddingsConfigError(
        `${name}=${quote(value)} is not a whole number from ${range.min} to ${range.max}`,
      );
    }
    return parsed;
  }
}

/** Values in messages are cut short and kept on one line. */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
