import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import {
  CanaryReport,
  EmbeddingRouter,
  embeddingsFromEnv,
  OpenAiCompatibleEmbeddingProvider,
} from '../src/embeddings/index.js';
import { deadUrl, fakeEndpointForFile, referenceVector } from './embeddings-fake-endpoint.js';
import { rng } from './fixtures/vectors.js';

const cpu = fakeEndpointForFile('reference');
const gpu = fakeEndpointForFile('perturbed');

function canaryEnv(share: string, gpuUrl = gpu.url): Record<string, string> {
  return {
    GPU_ENABLED: 'true',
    BULWARK_EMBEDDINGS_URL: cpu.url,
    BULWARK_EMBEDDINGS_GPU_URL: gpuUrl,
    BULWARK_EMBEDDINGS_MODEL: 'm',
    BULWARK_EMBEDDINGS_CANARY_SHARE: share,
    BULWARK_EMBEDDINGS_CANARY_MIN_SAMPLES: '100',
    BULWARK_EMBEDDINGS_BATCH_WAIT_MS: '1',
  };
}

/** 30 requests of 5 distinct texts: 150 vectors, each one a canary sample at share 1. */
async function drive(router: EmbeddingRouter): Promise<Float32Array[][]> {
  const answers: Float32Array[][] = [];
  for (let r = 0; r < 30; r++) {
    const texts = Array.from(
      { length: 5 },
      (_, i) => `request ${r} memory ${i} about topic ${(r * 5 + i) % 11}`,
    );
    answers.push(await router.embed(texts));
  }
  await router.settled();
  return answers;
}

describe('a GPU endpoint returning slightly perturbed vectors', () => {
  it('is measured at cosine ≈ 0.995 and reported promotable, while the CPU endpoint serves', async () => {
    const router = embeddingsFromEnv(canaryEnv('1'));
    expect(router.mode).toBe('canary');
    const answers = await drive(router);
    const report = router.canaryReport();
    expect(Value.Check(CanaryReport, report)).toBe(true);
    expect(report).toMatchObject({
      enabled: true,
      mode: 'canary',
      share: 1,
      samples: 150,
      requests: 30,
      failures: 0,
      promotable: true,
      reasons: [],
    });
    // σ = 0.00512 per dimension gives E[cos] = 1/√(1 + 384σ²) ≈ 0.99504.
    expect(report.cosine.mean!).toBeGreaterThan(0.993);
    expect(report.cosine.mean!).toBeLessThan(0.997);
    expect(report.cosine.min!).toBeGreaterThan(0.98);
    expect(report.cosine.p05!).toBeGreaterThan(0.99);
    expect(report.cosine.p05!).toBeLessThanOrEqual(report.cosine.mean!);
    expect(report.latencyMs.cpu.count).toBe(30);
    expect(report.latencyMs.gpu.count).toBe(30);
    expect(report.latencyMs.gpu.p50).toBeGreaterThan(0);
    expect(report.latencyMs.gpu.p99!).toBeGreaterThanOrEqual(report.latencyMs.gpu.p50!);
    // Served by the CPU endpoint, vector for vector.
    expect(answers[0]![0]).toEqual(referenceVector('request 0 memory 0 about topic 0'));
    expect(router.status().served).toEqual({ cpu: 30, gpu: 0 });
    expect(gpu.received).toHaveLength(30);
  });

  it('is not promotable before it has the samples asked for', async () => {
    const router = embeddingsFromEnv({
      ...canaryEnv('1'),
      BULWARK_EMBEDDINGS_CANARY_MIN_SAMPLES: '1000',
    });
    await drive(router);
    const report = router.canaryReport();
    expect(report.promotable).toBe(false);
    expect(report.reasons).toEqual(['150 samples compared, fewer than the 1000 required']);
  });
});

describe('a GPU endpoint returning garbage', () => {
  it('is measured at low similarity, not promotable, and traffic stays on the CPU endpoint', async () => {
    gpu.behaviour = 'garbage';
    const router = embeddingsFromEnv(canaryEnv('1'));
    const answers = await drive(router);
    const report = router.canaryReport();
    expect(Value.Check(CanaryReport, report)).toBe(true);
    expect(report.samples).toBe(150);
    expect(Math.abs(report.cosine.mean!)).toBeLessThan(0.2);
    expect(report.cosine.min!).toBeLessThan(0);
    expect(report.promotable).toBe(false);
    expect(report.reasons.some((r) => /^mean cosine -?0\.\d+ is below 0\.99$/.test(r))).toBe(true);
    expect(report.reasons.some((r) => r.startsWith('5th-percentile cosine'))).toBe(true);
    expect(router.status().served).toEqual({ cpu: 30, gpu: 0 });
    expect(answers[29]![4]).toEqual(referenceVector('request 29 memory 4 about topic 6'));
  });
});

describe('a GPU endpoint that fails', () => {
  it('counts the failures, cools down, and never delays or fails the CPU answer', async () => {
    const router = embeddingsFromEnv(canaryEnv('1', await deadUrl()));
    const answers = await drive(router);
    const report = router.canaryReport();
    expect(answers).toHaveLength(30);
    // The first mirror failed; the GPU was then left alone for the cool-down.
    expect(report).toMatchObject({
      requests: 1,
      failures: 1,
      failureRate: 1,
      skippedCoolingDown: 29,
    });
    expect(report.promotable).toBe(false);
    expect(report.reasons).toContain('GPU failure rate 1 (1 of 1) is above 0.01');
    expect(report.cosine).toEqual({ mean: null, min: null, p05: null });
  });

  it('a GPU answer of the wrong dimension is a failure, not a sample', async () => {
    gpu.behaviour = 'wrong-dimension';
    const router = embeddingsFromEnv({
      ...canaryEnv('1'),
      BULWARK_EMBEDDINGS_GPU_COOLDOWN_MS: '0',
    });
    await drive(router);
    expect(router.canaryReport()).toMatchObject({ samples: 0, requests: 30, failures: 30 });
  });
});

describe('the share', () => {
  it('mirrors only the drawn share of requests', async () => {
    const draws = rng(7);
    const sequence = Array.from({ length: 200 }, () => draws());
    let next = 0;
    const router = new EmbeddingRouter({
      cpu: new OpenAiCompatibleEmbeddingProvider({ url: cpu.url, model: 'm', maxWaitMs: 1 }),
      gpu: new OpenAiCompatibleEmbeddingProvider({
        url: gpu.url,
        model: 'm',
        role: 'gpu',
        maxWaitMs: 1,
      }),
      gpuEnabled: true,
      canaryShare: 0.25,
      random: () => sequence[next++]!,
    });
    for (let i = 0; i < 200; i++) await router.embed([`share ${i}`]);
    await router.settled();
    const mirrored = sequence.filter((d) => d < 0.25).length;
    expect(gpu.received).toHaveLength(mirrored);
    expect(router.canaryReport()).toMatchObject({ requests: mirrored, samples: mirrored });
    expect(mirrored).toBeGreaterThan(30);
    expect(mirrored).toBeLessThan(70);
  });

  it('GPU_ENABLED=true with share 0 is promotion: no canary figures, the GPU serves', async () => {
    const router = embeddingsFromEnv(canaryEnv('0'));
    await router.embed(['promoted']);
    expect(router.mode).toBe('gpu');
    expect(router.status().served).toEqual({ cpu: 0, gpu: 1 });
    expect(router.canaryReport()).toMatchObject({
      enabled: false,
      promotable: false,
      reasons: ['the canary is off: the canary share is 0 (the GPU endpoint serves)'],
    });
  });
});
