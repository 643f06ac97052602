import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemuCore } from './fixtures/memu-core.js';

/** A stand-in "GPU" embeddings endpoint that counts requests and always fails. */
let gpu: Server;
let gpuUrl: string;
let gpuRequests = 0;
beforeAll(async () => {
  gpu = createServer((request, response) => {
    gpuRequests++;
    request.resume();
    response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"GPU on fire"}');
  });
  await new Promise<void>((resolve) => gpu.listen(0, '127.0.0.1', resolve));
  const address = gpu.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  gpuUrl = `http://127.0.0.1:${address.port}/v1/embeddings`;
});
afterAll(() => new Promise<void>((resolve) => gpu.close(() => resolve())));

const MEMORIES = [
  'Alice drinks black coffee every morning',
  'Bob prefers green tea to coffee',
  'Carol runs ten kilometres on Sundays',
  'Dave keeps bees on the roof',
].map((content, i) => ({ namespace: 'n', subject: `s${i}`, content }));

/** Writes the same memories and runs the same text search; returns what a caller would see. */
async function observe(env: Record<string, string>) {
  const memu = await startMemuCore(env);
  try {
    expect((await memu.call('POST', '/v1/memories', { memories: MEMORIES })).status).toBe(201);
    const found = await memu.call('POST', '/v1/memories/search', {
      text: 'who likes coffee',
      namespace: 'n',
      k: 4,
    });
    expect(found.status).toBe(200);
    const canary = (await memu.call('GET', '/v1/embeddings/canary')).body;
    const health = (await memu.call('GET', '/health')).body;
    return {
      results: found.body.results.map((r: { memory: { content: string }; similarity: number }) => [
        r.memory.content,
        Number(r.similarity.toFixed(6)),
      ]),
      canary,
      embeddings: health.embeddings,
    };
  } finally {
    await memu.close();
  }
}

describe('GPU_ENABLED', () => {
  /** What a caller sees with no GPU configuration at all. */
  let baseline: Awaited<ReturnType<typeof observe>>;
  beforeAll(async () => {
    baseline = await observe({});
  });

  it('=false: the local CPU provider serves, the GPU endpoint is never called, results are unchanged', async () => {
    const disabled = await observe({
      GPU_ENABLED: 'false',
      BULWARK_EMBEDDINGS_GPU_URL: gpuUrl,
      BULWARK_EMBEDDINGS_GPU_MODEL: 'fake-gpu',
      BULWARK_EMBEDDINGS_CANARY_SHARE: '1',
    });
    expect(gpuRequests).toBe(0);
    expect(disabled.results).toEqual(baseline.results);
    expect(baseline.results[0][0]).toBe('Alice drinks black coffee every morning');
    for (const seen of [baseline, disabled]) {
      expect(seen.canary).toMatchObject({ mode: 'cpu-only', enabled: false, gpu: null });
      expect(seen.canary.cpu.id).toBe('local-hash');
      expect(seen.embeddings).toMatchObject({ mode: 'cpu-only', served: { gpu: 0 } });
    }
  });

  it('=true with a failing GPU endpoint: every request falls back to the CPU one, results unchanged', async () => {
    const failing = await observe({
      GPU_ENABLED: 'true',
      BULWARK_EMBEDDINGS_GPU_URL: gpuUrl,
      BULWARK_EMBEDDINGS_GPU_MODEL: 'fake-gpu',
    });
    expect(gpuRequests).toBeGreaterThan(0);
    expect(failing.results).toEqual(baseline.results);
    expect(failing.canary.mode).toBe('gpu');
    expect(failing.embeddings.served.gpu).toBe(0);
    const { failed, coolingDown } = failing.embeddings.fallbacks;
    expect(failed + coolingDown).toBeGreaterThanOrEqual(2);
    expect(failing.embeddings.status).toBe('warn');
  });
});
