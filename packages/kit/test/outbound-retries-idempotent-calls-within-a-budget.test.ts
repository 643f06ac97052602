import { SpanKind } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from '../src/http/client.js';
import { retryDelayMs } from '../src/resilience/retry-delay.js';
import {
  type Answer,
  metricValue,
  ok,
  policies,
  policyClient,
  schedule,
  startUpstream,
  type Upstream,
} from './outbound-fixtures/upstream.js';

const unavailable: Answer = { status: 503, body: 'later' };

let upstream: Upstream | undefined;
let client: HttpClient | undefined;

afterEach(async () => {
  await client?.close();
  await upstream?.close();
  client = undefined;
  upstream = undefined;
});

describe('retries', () => {
  it('retries an idempotent GET on 503 until it succeeds, each attempt its own span', async () => {
    upstream = await startUpstream(schedule([unavailable, 2], ok));
    const made = policyClient(policies({}));
    client = made.client;
    const response = await client.request(`${upstream.url}/item`);
    expect(response.statusCode).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(upstream.hits).toHaveLength(3);
    expect(
      await metricValue(made.registry, 'http_client_retries_total', {
        upstream: upstream.upstream,
      }),
    ).toBe(2);

    const spans = made.spans.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    expect(spans).toHaveLength(3);
    expect(spans.map((span) => span.attributes['http.request.resend_count'])).toEqual([
      undefined,
      1,
      2,
    ]);
    expect(spans.map((span) => span.attributes['http.response.status_code'])).toEqual([
      503, 503, 200,
    ]);
    // Each attempt carried its own span as the parent of the upstream's work.
    const parents = upstream.hits.map((hit) => String(hit.headers.traceparent).split('-')[2]);
    expect(parents).toEqual(spans.map((span) => span.spanContext().spanId));
  });

  it('retries a GET whose connection was reset', async () => {
    upstream = await startUpstream(schedule(['reset', 1], ok));
    client = policyClient(policies({})).client;
    expect((await client.request(`${upstream.url}/`)).statusCode).toBe(200);
    expect(upstream.hits).toHaveLength(2);
  });

  it('does not retry a POST', async () => {
    upstream = await startUpstream(() => unavailable);
    client = policyClient(policies({})).client;
    const response = await client.request(`${upstream.url}/orders`, { method: 'POST', body: '{}' });
    expect(response.statusCode).toBe(503);
    expect(upstream.hits).toHaveLength(1);
  });

  it('retries a POST that carries an idempotency key, sending the key each time', async () => {
    upstream = await startUpstream(schedule([unavailable, 1], ok));
    client = policyClient(policies({})).client;
    const response = await client.request(`${upstream.url}/orders`, {
      method: 'POST',
      body: '{"n":1}',
      idempotencyKey: 'order-7f3a',
    });
    expect(response.statusCode).toBe(200);
    expect(upstream.hits.map((hit) => [hit.method, hit.headers['idempotency-key']])).toEqual([
      ['POST', 'order-7f3a'],
      ['POST', 'order-7f3a'],
    ]);
  });

  it('does not retry a GET with retry: false, nor a 500', async () => {
    upstream = await startUpstream((hit) => (hit === 0 ? unavailable : { status: 500 }));
    client = policyClient(policies({})).client;
    expect((await client.request(`${upstream.url}/`, { retry: false })).statusCode).toBe(503);
    expect((await client.request(`${upstream.url}/`)).statusCode).toBe(500);
    expect(upstream.hits).toHaveLength(2);
  });

  it('stops retrying when the budget is spent: retries stay within ratio × requests', async () => {
    upstream = await startUpstream(() => unavailable);
    const made = policyClient(
      policies({
        retry: { maxAttempts: 2, budgetRatio: 0.5, budgetMinPerSecond: 0 },
        breaker: { enabled: false },
      }),
    );
    client = made.client;
    for (let i = 0; i < 10; i++) {
      expect((await client.request(`${upstream.url}/`)).statusCode).toBe(503);
    }
    // Ten calls earn five retries; the other five calls wanted one and were refused it.
    expect(upstream.hits).toHaveLength(15);
    const labels = { upstream: upstream.upstream };
    expect(await metricValue(made.registry, 'http_client_retries_total', labels)).toBe(5);
    expect(
      await metricValue(made.registry, 'http_client_retry_budget_exhausted_total', labels),
    ).toBe(5);
  });

  it('waits as long as a 503 Retry-After asks when that is within maxDelayMs', async () => {
    upstream = await startUpstream(
      schedule([{ status: 503, headers: { 'retry-after': '1' } }, 1], ok),
    );
    client = policyClient(policies({ retry: { maxDelayMs: 3_000 } })).client;
    const started = performance.now();
    expect((await client.request(`${upstream.url}/`)).statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(upstream.hits).toHaveLength(2);
  });

  it('returns the 503 at once when its Retry-After is past maxDelayMs', async () => {
    upstream = await startUpstream(() => ({ status: 503, headers: { 'retry-after': '30' } }));
    client = policyClient(policies({ retry: { maxDelayMs: 3_000 } })).client;
    const started = performance.now();
    const response = await client.request(`${upstream.url}/`);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('30');
    expect(upstream.hits).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("ends the backoff wait at once when the caller aborts, with the caller's reason", async () => {
    upstream = await startUpstream(() => ({ status: 503, headers: { 'retry-after': '5' } }));
    client = policyClient(policies({ retry: { maxDelayMs: 10_000 } })).client;
    const reason = new Error('caller gave up');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 200);
    const started = performance.now();
    await expect(client.request(`${upstream.url}/`, { signal: controller.signal })).rejects.toBe(
      reason,
    );
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(upstream.hits).toHaveLength(1);
  });
});

describe('full jitter', () => {
  it('draws each delay from [0, min(maxDelay, initialDelay × 2^retry)], spread across it', () => {
    const config = { initialDelayMs: 100, maxDelayMs: 1_000 };
    for (const [retry, cap] of [
      [0, 100],
      [1, 200],
      [2, 400],
      [3, 800],
      [4, 1_000],
      [9, 1_000],
    ] as const) {
      const delays = Array.from({ length: 2_000 }, () => retryDelayMs(retry, config));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThanOrEqual(cap);
      // Full, not half or no jitter: both ends of the window are reached.
      expect(delays.some((delay) => delay < cap * 0.1)).toBe(true);
      expect(delays.some((delay) => delay > cap * 0.9)).toBe(true);
    }
  });
});
