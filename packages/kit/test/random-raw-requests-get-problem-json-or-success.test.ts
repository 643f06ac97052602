import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS, type Service, UNMATCHED_ROUTE } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';
import { exchange, type RawResponse } from './raw-http.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// 250 runs × 10 connections × 4 pipelined requests: 10,000 random requests.
const RUNS = 250;
const CONNECTIONS_PER_RUN = 10;
const REQUESTS_PER_CONNECTION = 4;
const MIN_REQUESTS = 10_000;

const ROUTES = ['/v1/things', '/v1/things/:id'];
const PATHS = [
  '/live',
  '/ready',
  '/health',
  '/metrics',
  '/v1/things',
  '/v1/things?limit=3',
  '/v1/things?limit=x&limit=4',
  '/v1/things/12',
  '/v1/things/twelve',
  '/v1/things/%E0%A4%A',
  `/v1/things/${'9'.repeat(150)}`,
  '/v1/nothing',
  '*',
  'http://example.com/live',
  '/%00',
  '/../../etc/passwd',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'BREW', 'get'];
const HEADER_NAMES = [
  'content-type',
  'content-length',
  'transfer-encoding',
  'x-request-id',
  'traceparent',
  'accept',
  'connection',
  'expect',
  'upgrade',
  'host',
];
const VALUES = [
  'application/json',
  'text/plain',
  '5',
  '-1',
  '99999999999999999999',
  'chunked',
  'gzip, chunked',
  'identity',
  '100-continue',
  'something-else',
  'close',
  'keep-alive',
  'upgrade',
  'websocket',
  'h2c',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  '00-zz-zz-zz',
  'caller-chosen-id_1',
  'x'.repeat(300),
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
];

const bytes = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b).toString('latin1'));
const text = (max: number) => fc.string({ unit: 'binary-ascii', maxLength: max });
const jsonish = fc.oneof(
  fc.constant('{"n":1}'),
  fc.constant('{"n":"1"}'),
  fc.constant('{"n":1,"id":"x"}'),
  fc.integer({ min: 1, max: 3_000 }).map((d) => `{"n":${'['.repeat(d)}${']'.repeat(d)}}`),
  fc.json({ maxDepth: 4 }),
  text(200),
  bytes(200),
);

/** A header line: mostly plausible, sometimes odd, now and then raw bytes. */
const header = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.constantFrom(...VALUES)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...HEADER_NAMES), text(60)) },
  { weight: 1, arbitrary: fc.tuple(text(20), text(40)) },
  { weight: 1, arbitrary: fc.tuple(bytes(20), bytes(40)) },
);

interface RequestParts {
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  contentType: string;
  body: string;
  framing: 'length' | 'chunked' | 'bad-chunk' | 'none' | 'wrong-length';
}

function serialize({ method, target, version, headers, contentType, body, framing }: RequestParts) {
  const lines = [`${method} ${target} ${version}`, 'Host: fuzz'];
  if (contentType) lines.push(`Content-Type: ${contentType}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const length = Buffer.byteLength(body, 'latin1');
  let payload = body;
  if (framing === 'length') lines.push(`Content-Length: ${length}`);
  if (framing === 'wrong-length') lines.push(`Content-Length: ${Math.max(0, length - 3)}`);
  if (framing === 'chunked' || framing === 'bad-chunk') {
    lines.push('Transfer-Encoding: chunked');
    payload =
      framing === 'chunked'
        ? `${length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
        : `${(length + 7).toString(16)}\r\n${body}\r\nzz\r\n`;
  }
  if (framing === 'none') payload = '';
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${payload}`, 'latin1');
}

/** A request that is well-formed HTTP, so it reaches routing, validation and the handlers. */
const wellFormed = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  target: fc.constantFrom(...PATHS),
  version: fc.constant('HTTP/1.1'),
  headers: fc.array(
    fc.tuple(
      fc.constantFrom('x-request-id', 'traceparent', 'accept', 'expect', 'upgrade', 'connection'),
      fc.constantFrom(...VALUES),
    ),
    { maxLength: 3 },
  ),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: jsonish,
  framing: fc.constantFrom<RequestParts['framing']>('length', 'chunked'),
});

/** One request as an attacker would send it: any part may be odd or raw bytes. */
const anything = fc.record({
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...METHODS) },
    { weight: 1, arbitrary: text(8) },
    { weight: 1, arbitrary: bytes(8) },
  ),
  target: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...PATHS) },
    { weight: 1, arbitrary: text(60) },
    { weight: 1, arbitrary: bytes(60) },
  ),
  version: fc.oneof(
    { weight: 6, arbitrary: fc.constant('HTTP/1.1') },
    { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x', '') },
    { weight: 1, arbitrary: bytes(10) },
  ),
  headers: fc.array(header, { maxLength: 4 }),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: jsonish,
  framing: fc.constantFrom<RequestParts['framing']>(
    'length',
    'chunked',
    'bad-chunk',
    'none',
    'wrong-length',
  ),
});

const rawRequest = fc
  .oneof({ weight: 1, arbitrary: wellFormed }, { weight: 1, arbitrary: anything })
  .map(serialize);

/** A connection's worth: a few requests, pipelined. */
const connection = fc.array(rawRequest, {
  minLength: REQUESTS_PER_CONNECTION,
  maxLength: REQUESTS_PER_CONNECTION,
});
const CLOSING_REQUEST = Buffer.from(
  'GET /live HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n',
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why a response breaks the contract, or undefined when it keeps it. */
function breach(response: RawResponse): string | undefined {
  if (response.status >= 200 && response.status < 300) return undefined;
  if (!response.headers['content-type']?.startsWith('application/problem+json')) {
    return `${response.status} with content-type ${response.headers['content-type']}`;
  }
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return `${response.status} with a body that is not JSON: ${response.body.slice(0, 200)}`;
  }
  if (typeof problem.errorId !== 'string' || !UUID.test(problem.errorId)) {
    return `${response.status} without an errorId: ${response.body.slice(0, 200)}`;
  }
  if (problem.status !== response.status) return `status ${problem.status} in a ${response.status}`;
  if (response.headers['x-request-id'] !== problem.requestId) return 'x-request-id differs';
  return undefined;
}

let service: Service;
let logLines = 0;

beforeAll(async () => {
  // Log lines are counted and dropped: kept, they would be what the heap check measures.
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines += chunk.toString('utf8').split('\n').length - 1;
      done();
    },
  });
  ({ service } = testService({ logDestination: sink }));
  const Thing = Type.Object({ n: Type.Integer() }, { additionalProperties: false });
  service.app.post('/v1/things', { schema: { body: Thing } }, async (_req, reply) =>
    reply.code(201).send({ ok: true }),
  );
  service.app.get(
    '/v1/things',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer()) }) } },
    async () => ({ things: [] }),
  );
  service.app.get(
    '/v1/things/:id',
    { schema: { params: Type.Object({ id: Type.Integer() }) } },
    async (req) => ({ id: (req.params as { id: number }).id }),
  );
  service.app.delete('/v1/things/:id', async (_req, reply) => reply.code(204).send());
  await service.listen();
});
afterAll(() => service.shutdown());

describe('random raw requests', () => {
  it('get problem+json with an errorId or a success, never crash the process or grow its heap', async () => {
    const port = service.port;
    const warm = async () => {
      for (let i = 0; i < 3; i++) {
        for (const sample of fc.sample(connection, 20)) {
          await exchange(port, Buffer.concat([...sample, CLOSING_REQUEST]), { idleMs: 300 });
        }
      }
    };
    await warm();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    let requests = 0;
    let responses = 0;
    let successes = 0;
    let routed = 0;
    let hangs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(connection, { minLength: CONNECTIONS_PER_RUN, maxLength: CONNECTIONS_PER_RUN }),
        async (conns) => {
          const outcomes = await Promise.all(
            conns.map(async (reqs) => {
              requests += reqs.length;
              // The closing request ends the connection once everything before it is answered;
              // when the random bytes swallowed it, the client half-closes after a pause.
              return exchange(port, Buffer.concat([...reqs, CLOSING_REQUEST]), { idleMs: 300 });
            }),
          );
          for (const outcome of outcomes) {
            if (outcome.ended === 'timeout') hangs++;
            for (const response of outcome.responses) {
              responses++;
              const why = breach(response);
              if (why) throw new Error(why);
              if (response.status < 300) successes++;
              else if (response.status !== 400) routed++;
            }
          }
        },
      ),
      { numRuns: RUNS, endOnFailure: false },
    );

    expect(requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
    // Coverage, not thresholds: plenty were answered, some succeeded, many got past the parser
    // into routing and validation (404, 405, 414, 415, …), the rest died in the parser (400).
    expect(responses).toBeGreaterThan(1_000);
    expect(successes).toBeGreaterThan(0);
    expect(routed).toBeGreaterThan(200);
    // The server ends every connection once the client has ended its side.
    expect(hangs).toBe(0);

    // Still serving, and the metrics kept their route labels to templates and the unmatched one.
    const live = await request(`${baseUrl(service)}/live`);
    expect(live.statusCode).toBe(200);
    await live.body.dump();
    const metrics = await (await request(`${baseUrl(service)}/metrics`)).body.text();
    const routes = new Set(
      [
        ...metrics.matchAll(
          new RegExp(`^${METRICS.requestDuration}_count\\{[^}]*route="([^"]*)"`, 'gm'),
        ),
      ].map((m) => m[1]),
    );
    const allowed = new Set([...ROUTES, UNMATCHED_ROUTE, '/live', '/ready', '/health', '/metrics']);
    expect([...routes].filter((r) => !allowed.has(r ?? ''))).toEqual([]);
    expect(logLines).toBeGreaterThan(0);

    await warm();
    gc();
    const grownMiB = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;
    // Generous: a leak of even 2 KiB per request would show as 20 MiB here.
    expect(grownMiB).toBeLessThan(16);
  });
});
