import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EmbeddingRouter,
  LocalHashEmbeddingProvider,
  OpenAiCompatibleEmbeddingProvider,
} from '@bulwark/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpService, runCheck } from './checks-harness.js';

/**
 * The acceptance end to end: @bulwark/memory's router runs a canary against a fake "GPU"
 * endpoint over HTTP, a service serves its report, and embeddings.canary judges it. This keeps
 * the check's reading of the report and the router's writing of it from drifting apart.
 */
const local = new LocalHashEmbeddingProvider();

/** Seeded, so the measured figures are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Gpu = 'perturbed' | 'garbage';

/** An OpenAI-compatible endpoint answering the local model's vectors, perturbed or replaced. */
async function fakeGpu(kind: Gpu): Promise<{ url: string; server: Server }> {
  const random = seeded(kind === 'perturbed' ? 1 : 2);
  const noise = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { input } = JSON.parse(Buffer.concat(chunks).toString()) as { input: string[] };
    const data = input.map((text, index) => ({
      index,
      embedding:
        kind === 'perturbed'
          ? [...local.embedOne(text)].map((x) => x + 0.00512 * noise())
          : Array.from({ length: 384 }, noise),
    }));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A service that embeds through the router and serves its canary report. */
async function serviceFor(router: EmbeddingRouter): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/v1/embeddings/canary') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(router.canaryReport()));
      return;
    }
    response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

async function canaryAgainst(kind: Gpu) {
  const gpu = await fakeGpu(kind);
  servers.push(gpu.server);
  const router = new EmbeddingRouter({
    cpu: local,
    gpu: new OpenAiCompatibleEmbeddingProvider({
      url: gpu.url,
      model: 'm',
      role: 'gpu',
      maxWaitMs: 1,
    }),
    gpuEnabled: true,
    canaryShare: 1,
    thresholds: { minSamples: 100 },
  });
  const served: Float32Array[] = [];
  for (let r = 0; r < 25; r++) {
    const texts = Array.from(
      { length: 5 },
      (_, i) => `note ${r}-${i} on the ledger and topic ${i}`,
    );
    served.push(...(await router.embed(texts)));
  }
  await router.settled();
  const service = await serviceFor(router);
  servers.push(service.server);
  const outcome = await runCheck('embeddings.canary', {}, { service: httpService(service.url) });
  return { router, served, outcome };
}

describe('embeddings.canary against the memory router', () => {
  let perturbed: Awaited<ReturnType<typeof canaryAgainst>>;
  let garbage: Awaited<ReturnType<typeof canaryAgainst>>;
  beforeAll(async () => {
    perturbed = await canaryAgainst('perturbed');
    garbage = await canaryAgainst('garbage');
  });

  it('passes a GPU returning slightly perturbed vectors, with the similarity it measured', () => {
    expect(perturbed.outcome.status).toBe('pass');
    const mean = perturbed.outcome.measurements?.cosineMean as number;
    expect(mean).toBeGreaterThan(0.993);
    expect(mean).toBeLessThan(0.997);
    expect(perturbed.outcome.summary).toContain(`mean cosine ${mean}`);
    expect(perturbed.outcome.measurements).toMatchObject({ samples: 125, failures: 0 });
  });

  it('fails a GPU returning garbage, and every answer came from the CPU side', () => {
    expect(garbage.outcome.status).toBe('fail');
    expect(garbage.outcome.summary).toMatch(/GPU canary not proven: mean cosine -?0\.\d+ < 0\.99/);
    expect(Math.abs(garbage.outcome.measurements?.cosineMean as number)).toBeLessThan(0.2);
    expect(garbage.router.status().served).toEqual({ cpu: 25, gpu: 0 });
    expect(garbage.served[0]).toEqual(local.embedOne('note 0-0 on the ledger and topic 0'));
  });
});
