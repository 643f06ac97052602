import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { httpService, runCheck } from './checks-harness.js';

/** A canary report as @bulwark/memory's EmbeddingRouter serves it (a perturbed GPU build). */
function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enabled: true,
    mode: 'canary',
    share: 0.1,
    cpu: { id: 'openai-compatible:cpu', model: 'bge-small' },
    gpu: { id: 'openai-compatible:gpu', model: 'bge-small' },
    samples: 1500,
    requests: 300,
    failures: 0,
    failureRate: 0,
    skippedCoolingDown: 0,
    cosine: { mean: 0.99502, min: 0.9921, p05: 0.9937 },
    latencyMs: {
      cpu: { p50: 12.5, p99: 40.1, count: 300 },
      gpu: { p50: 3.2, p99: 9.9, count: 300 },
    },
    thresholds: { minSamples: 200, minMeanCosine: 0.99, minP05Cosine: 0.95, maxFailureRate: 0.01 },
    promotable: true,
    reasons: [],
    since: '2026-12-03T10:00:00.000Z',
    ...overrides,
  };
}

/** What the fake service answers at /v1/embeddings/canary; set per test. */
let answer: { status: number; body: unknown } = { status: 200, body: report() };
let server: Server;
let url: string;
const paths: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    paths.push(request.url ?? '');
    if (request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'pass', version: '1.2.3' }));
      return;
    }
    if (request.url !== '/v1/embeddings/canary') {
      response.writeHead(404, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ title: 'Not Found', status: 404 }));
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

async function run(body: unknown, params: Record<string, unknown> = {}, status = 200) {
  answer = { status, body };
  return runCheck('embeddings.canary', params, { service: httpService(url) });
}

describe('embeddings.canary', () => {
  it('is a registered service check for http services', () => {
    const plugin = defaultRegistry().get('embeddings.canary');
    expect(plugin).toMatchObject({ scope: 'service', kinds: ['http'] });
  });

  it('passes a promotable canary, keeping the figures and the report as evidence', async () => {
    const outcome = await run(report());
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toBe(
      'GPU canary promotable: 1500 samples, mean cosine 0.99502 (min 0.9921, p05 0.9937), failure rate 0',
    );
    expect(outcome.measurements).toMatchObject({
      samples: 1500,
      cosineMean: 0.99502,
      cosineP05: 0.9937,
      gpuP99Ms: 9.9,
      cpuP50Ms: 12.5,
      minSamples: 200,
      minCosine: 0.99,
      promotable: true,
    });
    expect(outcome.artifacts?.map((a) => a.name)).toEqual(['canary-report.json']);
    expect(outcome.targetVersion).toBe('1.2.3');
    expect(paths).toContain('/v1/embeddings/canary');
  });

  it('fails a garbage GPU build with the measured similarity in the summary', async () => {
    const outcome = await run(
      report({
        cosine: { mean: 0.0123, min: -0.21, p05: -0.15 },
        promotable: false,
        reasons: ['mean cosine 0.0123 is below 0.99', '5th-percentile cosine -0.15 is below 0.95'],
      }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe(
      '/v1/embeddings/canary: GPU canary not proven: mean cosine 0.0123 < 0.99, the service says not promotable (mean cosine 0.0123 is below 0.99; 5th-percentile cosine -0.15 is below 0.95)',
    );
    expect(outcome.measurements).toMatchObject({ cosineMean: 0.0123, cosineMin: -0.21 });
  });

  it('raises the thresholds with its parameters, never lowers them', async () => {
    const stricter = await run(report(), { minSamples: 5000, minCosine: 0.999 });
    expect(stricter.status).toBe('fail');
    expect(stricter.summary).toMatch(/1500 samples < 5000, mean cosine 0.99502 < 0.999$/);
    // Asking for less than the service demands changes nothing: the service's 0.99 holds.
    const laxer = await run(
      report({ cosine: { mean: 0.985, min: 0.9, p05: 0.95 }, promotable: true }),
      { minCosine: 0.5, minSamples: 1 },
    );
    expect(laxer.status).toBe('fail');
    expect(laxer.summary).toMatch(/mean cosine 0.985 < 0.99$/);
    expect(laxer.measurements).toMatchObject({ minCosine: 0.99, minSamples: 200 });
  });

  it('judges the figures itself: a report claiming promotable without the samples fails', async () => {
    const outcome = await run(report({ samples: 10, promotable: true }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/10 samples < 200/);
  });

  it('fails on a GPU failure rate above the limit', async () => {
    const outcome = await run(report({ failures: 9, failureRate: 0.03 }), { maxFailureRate: 0.05 });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/GPU failure rate 0.03 > 0.01/);
  });

  it('fails with "no canary figures" when the canary is off', async () => {
    const outcome = await run(
      report({
        enabled: false,
        mode: 'cpu-only',
        samples: 0,
        cosine: { mean: null, min: null, p05: null },
        promotable: false,
        reasons: ['the canary is off: GPU_ENABLED is false'],
      }),
    );
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: 'no canary figures (mode cpu-only): the canary is off: GPU_ENABLED is false',
    });
    expect(outcome.measurements).not.toHaveProperty('cosineMean');
  });

  it('fails a service with no canary, an error answer, and something that is not a report', async () => {
    const missing = await runCheck(
      'embeddings.canary',
      { path: '/v1/no-canary' },
      { service: httpService(url) },
    );
    expect(missing).toMatchObject({
      status: 'fail',
      summary: '/v1/no-canary: 404 no embeddings canary here',
    });
    const broken = await run({ title: 'Internal Server Error', status: 500 }, {}, 500);
    expect(broken).toMatchObject({
      status: 'fail',
      summary: '/v1/embeddings/canary: 500 Internal Server Error',
    });
    const forged = await run({ status: 'pass', summary: 'all good', promotable: true });
    expect(forged).toMatchObject({
      status: 'fail',
      summary: '/v1/embeddings/canary: the answer is not a canary report',
    });
    expect((await run('not json')).summary).toBe(
      '/v1/embeddings/canary: the answer is not a canary report',
    );
  });

  it('fails an unreachable service rather than throwing', async () => {
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as AddressInfo).port;
    dead.close();
    await once(dead, 'close');
    const outcome = await runCheck(
      'embeddings.canary',
      {},
      {
        service: httpService(`http://127.0.0.1:${port}`),
      },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^\/v1\/embeddings\/canary: .*refused/);
  });

  it('refuses parameters outside their ranges when the plan is loaded', () => {
    const plugin = defaultRegistry().get('embeddings.canary')!;
    expect(Value.Check(plugin.params, { minCosine: 1.5 })).toBe(false);
    expect(Value.Check(plugin.params, { minSamples: 0 })).toBe(false);
    expect(Value.Check(plugin.params, { extra: 1 })).toBe(false);
    expect(Value.Default(plugin.params, {})).toEqual({ path: '/v1/embeddings/canary' });
  });
});
