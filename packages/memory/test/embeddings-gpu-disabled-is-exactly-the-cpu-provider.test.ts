import { expect, it } from 'vitest';
import {
  embeddingsFromEnv,
  LocalHashEmbeddingProvider,
  OpenAiCompatibleEmbeddingProvider,
} from '../src/embeddings/index.js';
import { fakeEndpointForFile } from './embeddings-fake-endpoint.js';

const cpu = fakeEndpointForFile('reference');
// A GPU endpoint whose answers differ from the CPU's: any leak would show in the vectors.
const gpu = fakeEndpointForFile('perturbed');

const texts = ['first memory', 'second memory', 'a third, longer memory about the ledger'];

for (const gpuEnabled of ['false', undefined]) {
  it(`GPU_ENABLED=${gpuEnabled ?? '(unset)'}: the same vectors as the CPU provider, and the GPU endpoint is never called`, async () => {
    const router = embeddingsFromEnv({
      ...(gpuEnabled === undefined ? {} : { GPU_ENABLED: gpuEnabled }),
      BULWARK_EMBEDDINGS_URL: cpu.url,
      BULWARK_EMBEDDINGS_GPU_URL: gpu.url,
      BULWARK_EMBEDDINGS_MODEL: 'm',
      // Even a canary share does nothing while the GPU is disabled.
      BULWARK_EMBEDDINGS_CANARY_SHARE: '1',
    });
    const direct = new OpenAiCompatibleEmbeddingProvider({ url: cpu.url, model: 'm' });
    const expected = await direct.embed(texts);
    for (let i = 0; i < 20; i++) {
      expect(await router.embed(texts)).toEqual(expected);
    }
    await router.settled();
    expect(gpu.received).toHaveLength(0);
    expect(router.mode).toBe('cpu-only');
    expect(router.status()).toMatchObject({
      served: { cpu: 20, gpu: 0 },
      fallbacks: { failed: 0, coolingDown: 0, absent: 0 },
      endpoints: { gpu: null },
    });
    expect(router.model).toBe(direct.model);
    expect(router.dimensions).toBe(direct.dimensions);
    const report = router.canaryReport();
    expect(report).toMatchObject({ enabled: false, samples: 0, promotable: false });
    expect(report.reasons).toEqual(['the canary is off: GPU_ENABLED is false']);
  });
}

it('with no endpoint configured the router is the local provider, vector for vector', async () => {
  const router = embeddingsFromEnv({});
  const local = new LocalHashEmbeddingProvider();
  expect(await router.embed(texts)).toEqual(await local.embed(texts));
  expect(router.model).toBe(local.model);
  expect(router.status().endpoints.cpu).toMatchObject({ id: 'local-hash', stats: null });
});

it("errors pass through unchanged: a CPU endpoint's typed error is the router's", async () => {
  cpu.behaviour = 'wrong-dimension';
  const router = embeddingsFromEnv({
    GPU_ENABLED: 'false',
    BULWARK_EMBEDDINGS_URL: cpu.url,
    BULWARK_EMBEDDINGS_GPU_URL: gpu.url,
    BULWARK_EMBEDDINGS_MODEL: 'm',
  });
  await expect(router.embed(['x'])).rejects.toMatchObject({
    code: 'BW_EMBEDDINGS_DIMENSION',
    provider: 'openai-compatible:cpu',
  });
  expect(gpu.received).toHaveLength(0);
});
