import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from '../src/http/client.js';
import {
  ok,
  policies,
  policyClient,
  schedule,
  startUpstream,
  type Upstream,
} from './outbound-fixtures/upstream.js';

let upstream: Upstream | undefined;
let client: HttpClient | undefined;

afterEach(async () => {
  await client?.close();
  await upstream?.close();
  client = undefined;
  upstream = undefined;
});

function breakerOf(http: HttpClient) {
  return (http.health().breakers as Array<{ state: string; failures: number }>)[0];
}

describe('the timeout', () => {
  it('bounds each attempt: a GET whose first attempt hangs is retried and answered', async () => {
    upstream = await startUpstream(schedule(['hold', 1], ok));
    client = policyClient(policies({})).client;
    const started = performance.now();
    const response = await client.request(`${upstream.url}/`, { timeoutMs: 300 });
    expect(response.statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(upstream.hits).toHaveLength(2);
    // The timeout counted as the upstream's failure; the success after it reset the count.
    expect(breakerOf(client)).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('takes outbound.timeoutMs when the call gives none, and fails a POST with TimeoutError', async () => {
    upstream = await startUpstream(() => 'hold');
    client = policyClient(policies({ timeoutMs: 300 })).client;
    const started = performance.now();
    await expect(
      client.request(`${upstream.url}/`, { method: 'POST', body: 'x' }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5_000);
    expect(upstream.hits).toHaveLength(1);
    expect(breakerOf(client)).toMatchObject({ failures: 1 });
  });

  it("still lets the caller's signal abort, which is neither retried nor counted", async () => {
    upstream = await startUpstream(() => 'hold');
    client = policyClient(policies({ breaker: { consecutiveFailures: 1 } })).client;
    const reason = new Error('the caller left');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 100);
    await expect(
      client.request(`${upstream.url}/`, { signal: controller.signal, timeoutMs: 5_000 }),
    ).rejects.toBe(reason);
    expect(upstream.hits).toHaveLength(1);
    expect(breakerOf(client)).toMatchObject({ state: 'closed', failures: 0 });
  });
});
