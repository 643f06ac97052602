import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from '../src/http/client.js';
import {
  labelValues,
  ok,
  policies,
  policyClient,
  schedule,
  startUpstream,
  type Upstream,
} from './outbound-fixtures/upstream.js';

let upstreams: Upstream[] = [];
let client: HttpClient | undefined;

afterEach(async () => {
  await client?.close();
  await Promise.all(upstreams.map((upstream) => upstream.close()));
  client = undefined;
  upstreams = [];
});

function breakers(http: HttpClient) {
  return http.health().breakers as Array<{ upstream: string; state: string }>;
}

describe('policies per upstream origin', () => {
  it('10,000 requests to one origin share one breaker (never one per request)', async () => {
    const upstream = await startUpstream(() => ok);
    upstreams.push(upstream);
    const made = policyClient(policies({}));
    client = made.client;
    const http = client;
    // Paths and queries differ; the origin does not.
    for (let batch = 0; batch < 200; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const response = await http.request(`${upstream.url}/items/${batch}?n=${i}`);
          await response.text();
        }),
      );
    }
    expect(upstream.hits).toHaveLength(10_000);
    expect(breakers(client)).toEqual([
      expect.objectContaining({ upstream: upstream.upstream, state: 'closed' }),
    ]);
    expect(await labelValues(made.registry, 'http_client_breaker_state', 'upstream')).toEqual(
      new Set([upstream.upstream]),
    );
  });

  it('keeps at most maxUpstreams origins, and their metric series, when many are called', async () => {
    for (let i = 0; i < 20; i++) {
      // Each answers 503 once, so each origin also gets a retries series.
      upstreams.push(await startUpstream(schedule([{ status: 503 }, 1], ok)));
    }
    const made = policyClient(policies({ maxUpstreams: 8 }));
    client = made.client;
    for (const upstream of upstreams) {
      expect((await client.request(`${upstream.url}/`)).statusCode).toBe(200);
    }
    const kept = breakers(client).map((breaker) => breaker.upstream);
    expect(kept).toHaveLength(8);
    // The most recent ones stay.
    expect(kept).toEqual(upstreams.slice(-8).map((upstream) => upstream.upstream));
    for (const family of ['http_client_breaker_state', 'http_client_retries_total']) {
      expect(await labelValues(made.registry, family, 'upstream')).toEqual(new Set(kept));
    }
  });

  it('gives up idle closed origins before an open breaker', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    probe.close();
    await once(probe, 'close');
    const refused = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 10; i++) upstreams.push(await startUpstream(() => ok));
    client = policyClient(
      policies({ maxUpstreams: 4, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1 } }),
    ).client;
    await expect(client.request(`${refused}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    for (const upstream of upstreams) await client.request(`${upstream.url}/`);
    const kept = breakers(client);
    expect(kept).toHaveLength(4);
    expect(kept).toContainEqual(expect.objectContaining({ upstream: refused, state: 'open' }));
    expect(client.health().status).toBe('warn');
  });
});
