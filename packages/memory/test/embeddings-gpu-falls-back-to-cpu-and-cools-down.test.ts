import { expect, it } from 'vitest';
import { EmbeddingRouter, OpenAiCompatibleEmbeddingProvider } from '../src/embeddings/index.js';
import {
  deadUrl,
  fakeEndpointForFile,
  perturbedVector,
  referenceVector,
} from './embeddings-fake-endpoint.js';

const cpu = fakeEndpointForFile('reference');
const gpu = fakeEndpointForFile('perturbed');

function router(gpuUrl: string | undefined, clock = { now: 1_000_000 }) {
  const failures: string[] = [];
  const r = new EmbeddingRouter({
    cpu: new OpenAiCompatibleEmbeddingProvider({
      url: cpu.url,
      model: 'm',
      role: 'cpu',
      maxWaitMs: 1,
    }),
    ...(gpuUrl === undefined
      ? {}
      : {
          gpu: new OpenAiCompatibleEmbeddingProvider({
            url: gpuUrl,
            model: 'm',
            role: 'gpu',
            maxWaitMs: 1,
            cacheSize: 0,
          }),
        }),
    gpuEnabled: true,
    canaryShare: 0,
    cooldownMs: 30_000,
    now: () => clock.now,
    onGpuFailure: (error) => failures.push((error as { code: string }).code),
  });
  return { router: r, clock, failures };
}

it('GPU_ENABLED=true, canary off: the GPU endpoint serves', async () => {
  const { router: r } = router(gpu.url);
  const [vector] = await r.embed(['served by the gpu']);
  expect(Array.from(vector!)).toEqual(
    Array.from(new Float32Array(perturbedVector('served by the gpu'))),
  );
  expect(r.mode).toBe('gpu');
  expect(r.status().served).toEqual({ cpu: 0, gpu: 1 });
  expect(cpu.received).toHaveLength(0);
});

it('a GPU endpoint that is down: the CPU one answers, the fallback is counted, and the GPU is left alone while cooling down', async () => {
  const { router: r, clock, failures } = router(await deadUrl());
  expect(await r.embed(['a'])).toEqual([referenceVector('a')]);
  expect(r.status()).toMatchObject({
    served: { cpu: 1, gpu: 0 },
    fallbacks: { failed: 1, coolingDown: 0 },
  });
  expect(failures).toEqual(['BW_EMBEDDINGS_UNREACHABLE']);
  expect(r.status().gpuCoolingDownUntil).toBe(new Date(clock.now + 30_000).toISOString());
});

it('a failing GPU endpoint is not hammered: no request during the cool-down, one trial after it', async () => {
  gpu.behaviour = 'status-500';
  const { router: r, clock } = router(gpu.url);
  await r.embed(['b1']);
  expect(gpu.received).toHaveLength(1);
  for (let i = 0; i < 10; i++)
    expect(await r.embed([`b${i + 2}`])).toEqual([referenceVector(`b${i + 2}`)]);
  expect(gpu.received).toHaveLength(1);
  expect(r.status().fallbacks).toEqual({ failed: 1, coolingDown: 10, absent: 0 });
  clock.now += 30_001;
  gpu.behaviour = 'perturbed';
  const [back] = await r.embed(['recovered']);
  expect(gpu.received).toHaveLength(2);
  expect(Array.from(back!)).toEqual(Array.from(new Float32Array(perturbedVector('recovered'))));
  expect(r.status().served.gpu).toBe(1);
  expect(r.status().gpuCoolingDownUntil).toBeNull();
});

it('a GPU answer that fails validation (garbage shape) falls back too', async () => {
  gpu.behaviour = 'wrong-dimension';
  const { router: r, failures } = router(gpu.url);
  expect(await r.embed(['shape'])).toEqual([referenceVector('shape')]);
  expect(failures).toEqual(['BW_EMBEDDINGS_DIMENSION']);
});

it('GPU_ENABLED=true with no GPU endpoint: every request is served by the CPU one, counted as absent', async () => {
  const { router: r } = router(undefined);
  await r.embed(['x']);
  await r.embed(['y']);
  expect(r.status()).toMatchObject({ served: { cpu: 2, gpu: 0 }, fallbacks: { absent: 2 } });
});

it("a caller's abort is not a GPU failure and does not fall back", async () => {
  gpu.delayMs = 300;
  const { router: r } = router(gpu.url);
  const controller = new AbortController();
  const call = r.embed(['aborted'], { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await expect(call).rejects.toMatchObject({ code: 'BW_EMBEDDINGS_ABORTED' });
  expect(r.status().fallbacks.failed).toBe(0);
  expect(cpu.received).toHaveLength(0);
});
