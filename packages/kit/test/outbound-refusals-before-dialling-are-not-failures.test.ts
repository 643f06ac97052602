import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { BulwarkError, ResponseTooLargeError } from '../src/errors.js';
import type { HttpClient } from '../src/http/client.js';
import {
  ok,
  policies,
  policyClient,
  startUpstream,
  type Upstream,
} from './outbound-fixtures/upstream.js';

/** What the tool gate's egress guard raises (packages/gate EgressDeniedError is one). */
class DestinationDeniedError extends BulwarkError {
  constructor() {
    super('BW_EGRESS_DENIED', 403, 'the destination is not allowed');
  }
}

/** Refuses every request before it is dispatched, as egressInterceptor does. */
function refusing(error: Error, seen: { count: number }): Dispatcher.DispatcherComposeInterceptor {
  return () => (_options, handler) => {
    seen.count++;
    handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, error);
    return true;
  };
}

let upstream: Upstream | undefined;
let client: HttpClient | undefined;

afterEach(async () => {
  await client?.close();
  await upstream?.close();
  client = undefined;
  upstream = undefined;
});

function breakers(http: HttpClient) {
  return http.health().breakers as Array<{ state: string; failures: number }>;
}

// A breaker that opens on the first failure: any miscounted refusal would show.
const hairTrigger = policies({ breaker: { consecutiveFailures: 1 } });

describe('refusals that are not the upstream failing', () => {
  it('an egress denial from an interceptor is neither retried nor counted', async () => {
    upstream = await startUpstream(() => ok);
    const denial = new DestinationDeniedError();
    const seen = { count: 0 };
    client = policyClient(hairTrigger, { interceptors: [refusing(denial, seen)] }).client;
    for (let i = 0; i < 3; i++) {
      await expect(client.request(`${upstream.url}/`)).rejects.toBe(denial);
    }
    expect(seen.count).toBe(3);
    expect(upstream.hits).toHaveLength(0);
    expect(breakers(client)).toMatchObject([{ state: 'closed', failures: 0 }]);
  });

  it('nor is any other error an interceptor raises before dialling', async () => {
    upstream = await startUpstream(() => ok);
    const refusal = new Error('refused by a plain interceptor');
    const seen = { count: 0 };
    client = policyClient(hairTrigger, { interceptors: [refusing(refusal, seen)] }).client;
    await expect(client.request(`${upstream.url}/`)).rejects.toBe(refusal);
    await expect(client.request(`${upstream.url}/`)).rejects.toBe(refusal);
    expect(seen.count).toBe(2);
    expect(breakers(client)).toMatchObject([{ state: 'closed', failures: 0 }]);
  });

  it('nor is a body past maxBodyBytes', async () => {
    upstream = await startUpstream(() => ({ status: 200, body: 'x'.repeat(64 * 1024) }));
    client = policyClient(hairTrigger).client;
    const response = await client.request(`${upstream.url}/`, { maxBodyBytes: 1024 });
    await expect(response.text()).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(breakers(client)).toMatchObject([{ state: 'closed', failures: 0 }]);
  });

  it('while a refused connection is a failure: it is retried, then counted', async () => {
    // A port that was just free: nothing listens there, so the connection is refused.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    probe.close();
    await once(probe, 'close');
    const made = policyClient(policies({ breaker: { consecutiveFailures: 3 } }));
    client = made.client;
    await expect(client.request(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    // Three attempts (maxAttempts 3), three failures: the breaker opened.
    expect(breakers(client)).toMatchObject([{ state: 'open', failures: 3 }]);
    await expect(client.request(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      code: 'BW_UPSTREAM_CIRCUIT_OPEN',
      status: 503,
    });
  });
});
