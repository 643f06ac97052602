import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from '../src/http/client.js';
import { UpstreamBusyError } from '../src/resilience/outbound-errors.js';
import {
  metricValue,
  ok,
  policies,
  policyClient,
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

describe('the bulkhead of an upstream', () => {
  it('runs maxConcurrent calls, queues maxQueue, refuses the rest at once with BW_UPSTREAM_BUSY', async () => {
    upstream = await startUpstream((hit) => (hit < 2 ? 'hold' : ok));
    const made = policyClient(
      policies({
        bulkhead: { maxConcurrent: 2, maxQueue: 1 },
        breaker: { consecutiveFailures: 1 },
      }),
    );
    client = made.client;
    const http = client;
    const url = `${upstream.url}/`;
    // Settled as they end, so a refusal is observed the moment it happens.
    const outcomes: Array<PromiseSettledResult<number> | undefined> = [];
    const calls = Array.from({ length: 5 }, (_, i) =>
      http.request(url).then(
        (response) => {
          outcomes[i] = { status: 'fulfilled', value: response.statusCode };
        },
        (reason: unknown) => {
          outcomes[i] = { status: 'rejected', reason };
        },
      ),
    );
    while (upstream.hits.length < 2) await sleep(5);
    // Two in flight, one queued, two refused without waiting for a slot.
    await Promise.race([Promise.all(calls.slice(3)), sleep(2_000)]);
    for (const outcome of outcomes.slice(3)) {
      expect(outcome?.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as UpstreamBusyError;
      expect(error).toBeInstanceOf(UpstreamBusyError);
      expect(error).toMatchObject({ code: 'BW_UPSTREAM_BUSY', status: 503 });
      expect(error.message).toContain(upstream.upstream);
    }
    expect(outcomes.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    await sleep(50);
    expect(upstream.hits).toHaveLength(2);
    upstream.release();
    // The two held calls finish, then the queued one is sent.
    await Promise.all(calls);
    expect(outcomes.slice(0, 3)).toEqual(
      Array.from({ length: 3 }, () => ({ status: 'fulfilled', value: 200 })),
    );
    expect(upstream.hits).toHaveLength(3);
    expect(
      await metricValue(made.registry, 'http_client_bulkhead_rejected_total', {
        upstream: upstream.upstream,
      }),
    ).toBe(2);
    // A refusal is no sign of the upstream's health: the breaker (threshold 1) stayed closed.
    expect(client.health()).toMatchObject({ status: 'pass', breakers: [{ state: 'closed' }] });
  });
});
