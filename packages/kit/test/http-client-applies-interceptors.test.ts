import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../src/http/client.js';
import { Tracing } from '../src/tracing/tracing.js';

const tracing = new Tracing({ service: 'interceptor-test', version: '0.0.0', sampleRatio: 1 });
let server: Server;
let base: string;
const seen: { path: string; marker: string | undefined; traceparent: boolean }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({
      path: request.url ?? '',
      marker: request.headers['x-intercepted'] as string | undefined,
      traceparent: typeof request.headers.traceparent === 'string',
    });
    response.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

/** An interceptor that stamps a header and records the order it ran in. */
function stamping(name: string, order: string[]): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    order.push(name);
    const headers = { ...(options.headers as Record<string, string>), 'x-intercepted': name };
    return dispatch({ ...options, headers }, handler);
  };
}

describe('HttpClient interceptors', () => {
  it('sends every request through the interceptors, the last one first, keeping trace headers', async () => {
    const order: string[] = [];
    const client = new HttpClient(tracing, {
      interceptors: [stamping('inner', order), stamping('outer', order)],
    });
    try {
      const response = await client.request(`${base}/one`);
      expect(response.statusCode).toBe(200);
      expect(await response.text()).toBe('ok');
      expect(order).toEqual(['outer', 'inner']);
      // The inner interceptor runs last, so its stamp is the one that reaches the server.
      expect(seen.at(-1)).toEqual({ path: '/one', marker: 'inner', traceparent: true });
    } finally {
      await client.close();
    }
  });

  it('lets an interceptor refuse a request before it reaches the server', async () => {
    const refusal = new Error('refused by the interceptor');
    const refusing: Dispatcher.DispatcherComposeInterceptor = () => (_options, handler) => {
      handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, refusal);
      return true;
    };
    const client = new HttpClient(tracing, { interceptors: [refusing] });
    const before = seen.length;
    try {
      await expect(client.request(`${base}/refused`)).rejects.toBe(refusal);
      expect(seen.length).toBe(before);
    } finally {
      await client.close();
    }
  });

  it('behaves as before without interceptors', async () => {
    const client = new HttpClient(tracing);
    try {
      const response = await client.request(`${base}/plain`);
      expect(response.statusCode).toBe(200);
      expect(seen.at(-1)).toEqual({ path: '/plain', marker: undefined, traceparent: true });
    } finally {
      await client.close();
    }
  });
});
