import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS, type Service, UNMATCHED_ROUTE } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';
import { exchange, type RawResponse } from './raw-http.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRACERESPONSE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

/** Requests that fail before Fastify's error handler could see them, and what they must get. */
const CASES: Array<{ name: string; raw: string; status: number; code: string; route?: string }> = [
  {
    name: 'an unknown method in the request line',
    raw: 'BREW /live HTTP/1.1\r\nHost: a\r\n\r\n',
    status: 400,
    code: 'BW_MALFORMED_REQUEST',
  },
  {
    name: 'a request line with a stray token',
    raw: 'GET /live HTTP/1.1 extra\r\nHost: a\r\n\r\n',
    status: 400,
    code: 'BW_MALFORMED_REQUEST',
  },
  {
    name: 'a space in a header name',
    raw: 'GET /live HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
    status: 400,
    code: 'BW_MALFORMED_REQUEST',
  },
  {
    name: 'a control character in a header value',
    raw: 'GET /live HTTP/1.1\r\nHost: a\r\nX-Thing: a\x01b\r\n\r\n',
    status: 400,
    code: 'BW_MALFORMED_REQUEST',
  },
  {
    name: 'Content-Length together with Transfer-Encoding',
    raw: 'POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    status: 400,
    code: 'BW_MALFORMED_REQUEST',
  },
  {
    name: 'an invalid chunk in the middle of a routed request',
    raw: 'POST /v1/things HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"\r\nzz\r\n',
    status: 400,
    code: 'BW_MALFORMED_REQUEST',
    route: '/v1/things',
  },
  {
    name: 'headers over the size limit',
    raw: `GET /live HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    code: 'BW_HEADERS_TOO_LARGE',
  },
  {
    name: 'a path with invalid percent-encoding',
    raw: 'GET /v1/things/%E0%A4%A HTTP/1.1\r\nHost: a\r\n\r\n',
    status: 400,
    code: 'BW_HTTP_400',
  },
  {
    name: 'a route parameter over the router’s length limit',
    raw: `GET /v1/things/${'a'.repeat(200)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    status: 414,
    code: 'BW_HTTP_414',
  },
];

function requestCount(metrics: string, route: string): number {
  let total = 0;
  const prefix = `${METRICS.requestDuration}_count{`;
  for (const line of metrics.split('\n')) {
    if (line.startsWith(prefix) && line.includes(`route="${route}"`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

describe('errors raised before the kit’s error handler', () => {
  it('answer problem+json with an errorId and the contract headers, logged once and counted', async () => {
    const { service: svc, logs } = testService();
    service = svc;
    svc.app.get('/v1/things/:id', async () => ({ ok: true }));
    svc.app.post(
      '/v1/things',
      { schema: { body: Type.Object({ n: Type.Integer() }) } },
      async () => ({ ok: true }),
    );
    await svc.listen();

    const answers: Array<{ name: string; response: RawResponse | undefined }> = [];
    for (const c of CASES) {
      const { responses } = await exchange(svc.port, c.raw, { expect: 1 });
      answers.push({ name: c.name, response: responses[0] });
    }
    await sleep(50); // log lines leave at the end of the event-loop turn

    const records = logs.records();
    for (const [i, c] of CASES.entries()) {
      const { response } = answers[i]!;
      expect(response, c.name).toBeDefined();
      const { status, headers, body } = response!;
      expect({ case: c.name, status }).toEqual({ case: c.name, status: c.status });
      expect(headers['content-type'], c.name).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(body) as Record<string, unknown>;
      expect(problem, c.name).toMatchObject({ status: c.status, code: c.code });
      expect(problem.errorId, c.name).toMatch(UUID);
      expect(headers['x-request-id'], c.name).toBe(problem.requestId);
      expect(headers.traceresponse, c.name).toMatch(TRACERESPONSE);
      // The detail is the kit's text, never the caller's bytes.
      expect(problem.detail, c.name).not.toMatch(/aaaa|%E0|BREW|Bad Header|extra/);
      // One line, at info, carries the errorId.
      const lines = records.filter((r) => r.error_id === problem.errorId);
      expect(
        lines.map((r) => [r.level, r.msg]),
        c.name,
      ).toEqual([['info', 'request rejected']]);
      expect(lines[0]?.request_id, c.name).toBe(problem.requestId);
    }

    const metrics = await (await request(`${baseUrl(svc)}/metrics`)).body.text();
    const routed = CASES.filter((c) => c.route !== undefined).length;
    expect(requestCount(metrics, UNMATCHED_ROUTE)).toBe(CASES.length - routed);
    expect(requestCount(metrics, '/v1/things')).toBe(routed);
    // The routed request whose body broke is not also reported as cut off.
    expect(
      records.filter((r) => r.msg === 'connection closed before the response was sent'),
    ).toEqual([]);
  });

  it('close the connection after a parser error, and answer once however much more arrives', async () => {
    const { service: svc, logs } = testService();
    service = svc;
    await svc.listen();
    const garbage = 'BREW / HTTP/1.1\r\n\r\n'.repeat(50);
    const { responses, rest, ended } = await exchange(svc.port, garbage);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.headers.connection).toBe('close');
    expect(rest.length).toBe(0);
    expect(ended).toBe('closed');
    await sleep(50);
    expect(logs.records().filter((r) => r.msg === 'request rejected')).toHaveLength(1);
  });
});
