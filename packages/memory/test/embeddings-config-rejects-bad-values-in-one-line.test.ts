import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CANARY_THRESHOLDS,
  EmbeddingsConfigError,
  embeddingsConfigFromEnv,
  embeddingsFromEnv,
} from '../src/embeddings/index.js';
import { startFakeEndpoint } from './embeddings-fake-endpoint.js';

const base = { BULWARK_EMBEDDINGS_URL: 'http://127.0.0.1:9/', BULWARK_EMBEDDINGS_MODEL: 'm' };

describe('embeddingsConfigFromEnv', () => {
  it('defaults: GPU off, local provider, batch 64 / 5 ms, cache 10 000, canary off', () => {
    expect(embeddingsConfigFromEnv({})).toEqual({
      gpuEnabled: false,
      sendDimensions: false,
      batch: { maxSize: 64, maxWaitMs: 5 },
      cacheSize: 10_000,
      timeoutMs: 10_000,
      gpuCooldownMs: 30_000,
      canary: { share: 0, thresholds: DEFAULT_CANARY_THRESHOLDS },
    });
  });

  it('reads every variable', () => {
    const config = embeddingsConfigFromEnv({
      GPU_ENABLED: 'TRUE',
      BULWARK_EMBEDDINGS_URL: 'http://cpu:8080',
      BULWARK_EMBEDDINGS_GPU_URL: 'https://gpu:8443/v1/embeddings',
      BULWARK_EMBEDDINGS_MODEL: 'bge-small-en-v1.5',
      BULWARK_EMBEDDINGS_API_KEY_FILE: '/run/secrets/embeddings',
      BULWARK_EMBEDDINGS_CANARY_SHARE: '0.1',
      BULWARK_EMBEDDINGS_BATCH_SIZE: '32',
      BULWARK_EMBEDDINGS_BATCH_WAIT_MS: '0',
      BULWARK_EMBEDDINGS_CACHE_SIZE: '0',
      BULWARK_EMBEDDINGS_CANARY_MIN_SAMPLES: '500',
      BULWARK_EMBEDDINGS_CANARY_MIN_MEAN_COSINE: '0.995',
      BULWARK_EMBEDDINGS_CANARY_MAX_FAILURE_RATE: '0',
    });
    expect(config).toMatchObject({
      gpuEnabled: true,
      cpu: {
        url: 'http://cpu:8080',
        model: 'bge-small-en-v1.5',
        apiKeyFile: '/run/secrets/embeddings',
      },
      gpu: {
        url: 'https://gpu:8443/v1/embeddings',
        model: 'bge-small-en-v1.5',
        apiKeyFile: '/run/secrets/embeddings',
      },
      batch: { maxSize: 32, maxWaitMs: 0 },
      cacheSize: 0,
      canary: {
        share: 0.1,
        thresholds: { minSamples: 500, minMeanCosine: 0.995, maxFailureRate: 0 },
      },
    });
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ GPU_ENABLED: 'yes' }, /^GPU_ENABLED="yes" is not true, false, 1 or 0$/],
    [
      { BULWARK_EMBEDDINGS_CANARY_SHARE: '1.5' },
      /^BULWARK_EMBEDDINGS_CANARY_SHARE="1.5" is not a number from 0 to 1$/,
    ],
    [{ BULWARK_EMBEDDINGS_CANARY_SHARE: 'half' }, /CANARY_SHARE="half" is not a number/],
    [
      { BULWARK_EMBEDDINGS_BATCH_SIZE: '0' },
      /^BULWARK_EMBEDDINGS_BATCH_SIZE="0" is not a whole number from 1 to 2048$/,
    ],
    [{ BULWARK_EMBEDDINGS_BATCH_WAIT_MS: '2.5' }, /BATCH_WAIT_MS="2.5" is not a whole number/],
    [{ BULWARK_EMBEDDINGS_CACHE_SIZE: '-1' }, /CACHE_SIZE="-1"/],
    [
      { BULWARK_EMBEDDINGS_CANARY_MIN_MEAN_COSINE: '2' },
      /MIN_MEAN_COSINE="2" is not a number from -1 to 1/,
    ],
    [{ BULWARK_EMBEDDINGS_URL: 'not a url' }, /^BULWARK_EMBEDDINGS_URL is not a URL$/],
    [{ BULWARK_EMBEDDINGS_URL: 'ftp://x/' }, /must be an http:\/\/ or https:\/\/ URL/],
    [
      { BULWARK_EMBEDDINGS_URL: 'http://cpu:1/' },
      /^BULWARK_EMBEDDINGS_MODEL is required when BULWARK_EMBEDDINGS_URL is set$/,
    ],
    [
      { ...base, GPU_ENABLED: 'true', BULWARK_EMBEDDINGS_CANARY_SHARE: '0.2' },
      /CANARY_SHARE is above 0 but BULWARK_EMBEDDINGS_GPU_URL is not set/,
    ],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      const error = (() => {
        try {
          embeddingsConfigFromEnv(env);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(EmbeddingsConfigError);
      expect(error).toMatchObject({ code: 'BW_EMBEDDINGS_CONFIG' });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    });
  }

  it('never repeats a credential put in a URL', () => {
    expect(() =>
      embeddingsConfigFromEnv({ BULWARK_EMBEDDINGS_GPU_URL: 'https://user:hunter2@gpu/' }),
    ).toThrow(
      /^BULWARK_EMBEDDINGS_GPU_URL must not carry credentials; put the key in BULWARK_EMBEDDINGS_API_KEY_FILE$/,
    );
  });
});

describe('embeddingsFromEnv and the API key', () => {
  it('reads the key from the file and sends it; a missing file is a config error naming the file, not a key', async () => {
    const endpoint = await startFakeEndpoint();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'bw-embeddings-'));
      const file = join(dir, 'key');
      writeFileSync(file, 'sk-from-file\n');
      const router = embeddingsFromEnv({
        BULWARK_EMBEDDINGS_URL: endpoint.url,
        BULWARK_EMBEDDINGS_MODEL: 'm',
        BULWARK_EMBEDDINGS_API_KEY_FILE: file,
      });
      await router.embed(['k']);
      expect(endpoint.received[0]!.authorization).toBe('Bearer sk-from-file');
      expect(() =>
        embeddingsFromEnv({ ...base, BULWARK_EMBEDDINGS_API_KEY_FILE: join(dir, 'absent') }),
      ).toThrow(
        new EmbeddingsConfigError(`BULWARK_EMBEDDINGS_API_KEY_FILE ${join(dir, 'absent')}: ENOENT`),
      );
    } finally {
      await endpoint.close();
    }
  });

  it('takes the key from BULWARK_EMBEDDINGS_API_KEY, keeps it out of the config, and refuses both at once', async () => {
    const endpoint = await startFakeEndpoint();
    try {
      const env = {
        BULWARK_EMBEDDINGS_URL: endpoint.url,
        BULWARK_EMBEDDINGS_MODEL: 'm',
        BULWARK_EMBEDDINGS_API_KEY: 'sk-from-env',
      };
      await embeddingsFromEnv(env).embed(['k']);
      expect(endpoint.received[0]!.authorization).toBe('Bearer sk-from-env');
      expect(JSON.stringify(embeddingsConfigFromEnv(env))).not.toContain('sk-from-env');
      expect(() => embeddingsFromEnv({ ...env, BULWARK_EMBEDDINGS_API_KEY_FILE: '/x' })).toThrow(
        /set BULWARK_EMBEDDINGS_API_KEY or BULWARK_EMBEDDINGS_API_KEY_FILE, not both/,
      );
    } finally {
      await endpoint.close();
    }
  });
});
