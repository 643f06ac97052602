import { HttpClient, type ServiceConfig, Tracing } from '@bulwark/kit';
import { describe, expect, it } from 'vitest';
import {
  EmbeddingError,
  OpenAiCompatibleEmbeddingProvider,
  type OpenAiCompatibleOptions,
} from '../src/embeddings/index.js';
import {
  deadUrl,
  type FakeBehaviour,
  fakeEndpointForFile,
  referenceVector,
} from './embeddings-fake-endpoint.js';

const endpoint = fakeEndpointForFile('reference');

function provider(options: Partial<OpenAiCompatibleOptions> = {}) {
  return new OpenAiCompatibleEmbeddingProvider({
    url: endpoint.url,
    model: 'test-model',
    maxWaitMs: 20,
    ...options,
  });
}

describe('requests', () => {
  it('posts {model, input} to /v1/embeddings under a base URL and returns the vectors in order', async () => {
    const vectors = await provider().embed(['alpha', 'beta']);
    expect(endpoint.received).toHaveLength(1);
    expect(endpoint.received[0]).toMatchObject({
      url: '/v1/embeddings',
      body: { model: 'test-model', input: ['alpha', 'beta'] },
    });
    expect(endpoint.received[0]!.body).not.toHaveProperty('dimensions');
    expect(vectors).toEqual([referenceVector('alpha'), referenceVector('beta')]);
  });

  it('uses a configured full URL as it is, and sends dimensions when told to', async () => {
    await provider({
      url: `${endpoint.url}/openai/deployments/x/embeddings`,
      sendDimensions: true,
    }).embed(['a']);
    expect(endpoint.received[0]).toMatchObject({
      url: '/openai/deployments/x/embeddings',
      body: { dimensions: 384 },
    });
  });

  it("puts each vector back at its input's index when the server answers out of order", async () => {
    endpoint.behaviour = 'reversed';
    const vectors = await provider().embed(['one', 'two', 'three']);
    expect(vectors).toEqual(['one', 'two', 'three'].map(referenceVector));
  });

  it('sends the API key as a bearer token and never puts it in an error message', async () => {
    const key = 'sk-test-5f1d2c9a-secret';
    await provider({ apiKey: key }).embed(['k']);
    expect(endpoint.received[0]!.authorization).toBe(`Bearer ${key}`);
    endpoint.behaviour = 'echo-auth-500';
    const error = (await provider({ apiKey: key })
      .embed(['k2'])
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'BW_EMBEDDINGS_STATUS', status: 500 });
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(key);
  });
});

describe('batching', () => {
  it('coalesces concurrent embed calls into one request', async () => {
    const p = provider({ maxBatchSize: 64, maxWaitMs: 30 });
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    const results = await Promise.all(texts.map((t) => p.embed([t])));
    expect(endpoint.received).toHaveLength(1);
    expect(endpoint.received[0]!.body.input).toEqual(texts);
    expect(results.map(([v]) => v)).toEqual(texts.map(referenceVector));
    expect(p.stats()).toMatchObject({ requests: 1, texts: 10 });
  });

  it('splits at the maximum batch size and sends a full batch without waiting', async () => {
    const p = provider({ maxBatchSize: 4, maxWaitMs: 5_000 });
    const start = performance.now();
    const texts = Array.from({ length: 8 }, (_, i) => `split ${i}`);
    const vectors = await p.embed(texts);
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(endpoint.received.map((r) => r.body.input?.length)).toEqual([4, 4]);
    expect(vectors).toEqual(texts.map(referenceVector));
  });

  it('sends a text asked for twice at once only once', async () => {
    const p = provider();
    const [a, b] = await Promise.all([p.embed(['same']), p.embed(['same', 'other'])]);
    expect(endpoint.received).toHaveLength(1);
    expect(endpoint.received[0]!.body.input).toEqual(['same', 'other']);
    expect(a![0]).toEqual(b![0]);
  });
});

describe('the cache', () => {
  it('serves a repeated text from the cache, counting hits and misses', async () => {
    const p = provider();
    await p.embed(['cached', 'also cached']);
    const again = await p.embed(['cached', 'also cached']);
    expect(endpoint.received).toHaveLength(1);
    expect(again).toEqual([referenceVector('cached'), referenceVector('also cached')]);
    expect(p.stats().cache).toMatchObject({ hits: 2, misses: 2, size: 2 });
  });

  it('keys by model: the same text under another model is a miss', async () => {
    await provider({ model: 'm1' }).embed(['shared text']);
    await provider({ model: 'm2' }).embed(['shared text']);
    expect(endpoint.received.map((r) => r.body.model)).toEqual(['m1', 'm2']);
  });

  it('is bounded: the least recently used entry is evicted', async () => {
    const p = provider({ cacheSize: 2 });
    await p.embed(['a1', 'a2']);
    await p.embed(['a1']); // a1 is now the most recent
    await p.embed(['a3']); // evicts a2
    await p.embed(['a1', 'a2']);
    expect(endpoint.received.map((r) => r.body.input)).toEqual([['a1', 'a2'], ['a3'], ['a2']]);
    expect(p.stats().cache.size).toBe(2);
  });

  it('hands out copies: a caller writing into its vector does not change the next answer', async () => {
    const p = provider();
    const [first] = await p.embed(['mutable']);
    first!.fill(0);
    const [second] = await p.embed(['mutable']);
    expect(second).toEqual(referenceVector('mutable'));
  });

  it('stores nothing with cacheSize 0', async () => {
    const p = provider({ cacheSize: 0 });
    await p.embed(['nocache']);
    await p.embed(['nocache']);
    expect(endpoint.received).toHaveLength(2);
  });
});

describe('bad answers are typed errors', () => {
  const cases: [FakeBehaviour, string, RegExp][] = [
    ['wrong-dimension', 'BW_EMBEDDINGS_DIMENSION', /has 383 dimensions, expected 384/],
    ['nan-bare', 'BW_EMBEDDINGS_NOT_FINITE', /NaN or Infinity/],
    ['null-value', 'BW_EMBEDDINGS_NOT_FINITE', /holds null at dimension 0/],
    ['missing-item', 'BW_EMBEDDINGS_BAD_RESPONSE', /2 embeddings for 3 inputs/],
    ['duplicate-index', 'BW_EMBEDDINGS_BAD_RESPONSE', /index 0 twice/],
    ['not-json', 'BW_EMBEDDINGS_BAD_RESPONSE', /not JSON/],
    ['status-500', 'BW_EMBEDDINGS_STATUS', /answered 500: .*CUDA out of memory/],
  ];
  for (const [behaviour, code, message] of cases) {
    it(`${behaviour} → ${code}`, async () => {
      endpoint.behaviour = behaviour;
      const p = provider();
      const error = await p.embed(['x1', 'x2', 'x3']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddingError);
      expect(error).toMatchObject({ code, provider: 'openai-compatible:cpu' });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
      // Nothing wrong was cached: the next call asks again.
      endpoint.behaviour = 'reference';
      expect(await p.embed(['x1'])).toEqual([referenceVector('x1')]);
    });
  }

  it('an endpoint nobody answers on → BW_EMBEDDINGS_UNREACHABLE', async () => {
    const p = provider({ url: await deadUrl() });
    const error = await p.embed(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BW_EMBEDDINGS_UNREACHABLE' });
    expect(p.stats()).toMatchObject({ requests: 1, failedRequests: 1 });
  });

  it("a caller's abort rejects its call at once with BW_EMBEDDINGS_ABORTED", async () => {
    endpoint.delayMs = 500;
    const controller = new AbortController();
    const call = provider({ maxWaitMs: 1 }).embed(['slow'], { signal: controller.signal });
    // Abort once the request is at the server, so the call is released mid-flight.
    while (endpoint.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    const start = performance.now();
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'BW_EMBEDDINGS_ABORTED' });
    expect(performance.now() - start).toBeLessThan(300);
  });
});

describe("the kit's resilient client", () => {
  it('is accepted as it is, and retries a failed batch (the request carries an idempotency key)', async () => {
    const tracing = new Tracing({ service: 'embeddings-test', version: '0.0.0', sampleRatio: 0 });
    const policies: ServiceConfig['outbound'] = {
      timeoutMs: 5_000,
      maxUpstreams: 16,
      retry: {
        maxAttempts: 3,
        initialDelayMs: 1,
        maxDelayMs: 5,
        budgetRatio: 1,
        budgetMinPerSecond: 10,
      },
      breaker: { enabled: true, consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
      bulkhead: { maxConcurrent: 16, maxQueue: 64 },
    };
    const client = new HttpClient(tracing, { policies });
    try {
      endpoint.failFirst = 1;
      const vectors = await provider({ client }).embed(['retried']);
      expect(vectors).toEqual([referenceVector('retried')]);
      expect(endpoint.received).toHaveLength(2);
      expect(endpoint.received[0]!.idempotencyKey).toMatch(/^emb-[0-9a-f]{32}$/);
      expect(endpoint.received[1]!.idempotencyKey).toBe(endpoint.received[0]!.idempotencyKey);
    } finally {
      await client.close();
    }
  });
});
