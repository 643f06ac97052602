import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ResponseTooLargeError } from '../src/errors.js';
import { HttpClient } from '../src/http/client.js';
import { Tracing } from '../src/tracing/tracing.js';

const tracing = new Tracing({ service: 'body-limit-test', version: '0.0.0', sampleRatio: 1 });
const client = new HttpClient(tracing);
let server: Server;
let base: string;
let bytesSent = 0;

beforeAll(async () => {
  // /small answers 1 KiB; /endless streams chunks without a length until the client hangs up.
  server = createServer((request, response) => {
    if (request.url === '/small') {
      response.end('x'.repeat(1024));
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const pump = () => {
      while (!response.destroyed && response.write(chunk)) bytesSent += chunk.length;
      if (!response.destroyed) response.once('drain', pump);
    };
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  server.close();
});

it('reads a body within the limit whole', async () => {
  const response = await client.request(`${base}/small`, { maxBodyBytes: 4096 });
  expect(await response.text()).toHaveLength(1024);
});

it('refuses a body past the limit with ResponseTooLargeError, without reading the rest', async () => {
  const response = await client.request(`${base}/endless`, { maxBodyBytes: 256 * 1024 });
  const error = await response.text().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ResponseTooLargeError);
  expect(error).toMatchObject({ code: 'BW_RESPONSE_TOO_LARGE', status: 502 });
  // The connection was dropped: the server stopped well short of what an unbounded read takes.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(bytesSent).toBeLessThan(64 * 1024 * 1024);
});
