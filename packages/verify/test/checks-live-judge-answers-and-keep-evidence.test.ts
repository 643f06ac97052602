import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpService,
  KIT_SERVICE,
  type Running,
  runCheck,
  startFixture,
} from './checks-harness.js';

let kit: Running;
const servers: Server[] = [];

beforeAll(async () => {
  kit = await startFixture(KIT_SERVICE);
});
afterAll(async () => {
  await kit?.stop();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** A plain HTTP server on loopback, for answers a kit service never gives. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('probe.latency', () => {
  it('records every sample of every endpoint as a series and passes within the limit', async () => {
    const outcome = await runCheck(
      'probe.latency',
      { p95Ms: 5000, samples: 4, endpoints: ['/live', '/ready', '/v1/items'] },
      { service: httpService(kit.url) },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.samples?.map((s) => [s.name, s.unit, s.values.length])).toEqual([
      ['/live', 'ms', 4],
      ['/ready', 'ms', 4],
      ['/v1/items', 'ms', 4],
    ]);
    expect(outcome.measurements?.['/ready.p95Ms']).toBeGreaterThan(0);
    expect(outcome.targetVersion).toBe('1.2.3');
  });

  it('fails when the p95 is over the limit, naming the endpoint', async () => {
    const outcome = await runCheck(
      'probe.latency',
      { p95Ms: 0.0001, samples: 2 },
      { service: httpService(kit.url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^\/live: p95 [\d.]+ ms is over the 0.0001 ms limit; \/ready/);
  });

  it('fails on an answer that is not 200, however fast', async () => {
    const outcome = await runCheck(
      'probe.latency',
      { p95Ms: 5000, samples: 3, endpoints: ['/nope'] },
      { service: httpService(kit.url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('/nope sample 1 of 3: 404 Not Found');
  });
});

describe('api.versioned', () => {
  it('passes when the paths are served under the prefix and 404 without it', async () => {
    const outcome = await runCheck(
      'api.versioned',
      { paths: ['/items', '/v1/items'] },
      { service: httpService(kit.url) },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements).toMatchObject({ '/v1/items.status': 200, '/items.status': 404 });
  });

  it('fails a path served without the prefix, and one missing under it', async () => {
    const url = await serve((req, res) => {
      res.writeHead(req.url === '/items' ? 200 : 404, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const outcome = await runCheck(
      'api.versioned',
      { paths: ['/items'] },
      { service: httpService(url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe(
      'GET /v1/items: 404, not served under /v1; GET /items: 200, served without the /v1 prefix',
    );
  });

  it('accepts a redirect from the bare path into the prefix', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/items') res.writeHead(308, { location: '/v1/items' }).end();
      else res.writeHead(200).end('[]');
    });
    const outcome = await runCheck(
      'api.versioned',
      { paths: ['/items'] },
      { service: httpService(url) },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
  });

  it('with no paths given, asks the paths of the OpenAPI document the service serves', async () => {
    const outcome = await runCheck('api.versioned', {}, { service: httpService(kit.url) });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toBe('1 path served under /v1 and not without it');
    expect(outcome.measurements).toMatchObject({ '/v1/items.status': 200, '/items.status': 404 });
  });

  it('fails a documented path outside the prefix, without asking it', async () => {
    const document = { openapi: '3.1.0', paths: { '/v1/items': {}, '/admin/{id}': {} } };
    const url = await serve((req, res) => {
      const known = req.url === '/openapi.json' || req.url === '/v1/items';
      res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      res.end(req.url === '/openapi.json' ? JSON.stringify(document) : '{}');
    });
    const outcome = await runCheck('api.versioned', {}, { service: httpService(url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('/admin/{id} (in its OpenAPI document) is not under /v1');
  });

  it('skips, saying why, when it knows no path and the service serves no OpenAPI document', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
    const outcome = await runCheck('api.versioned', {}, { service: httpService(url) });
    expect(outcome.status).toBe('skip');
    expect(outcome.reason).toMatch(
      /^no API paths to check on svc and no OpenAPI document at \/openapi\.json: list them/,
    );
  });
});

describe('errors.problem-json', () => {
  it('names each way an error answer misses the contract', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"oops"}');
    });
    const outcome = await runCheck('errors.problem-json', {}, { service: httpService(url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^GET \/bulwark-verify-no-such-path-\w+: Content-Type "application\/json" is not application\/problem\+json, "status" null is not 500, no "title", no "errorId"; DELETE \/live: /,
    );
  });

  it('fails a service that answers an error path with 200', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>home</html>');
    });
    const outcome = await runCheck('errors.problem-json', {}, { service: httpService(url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('answered 200, not an error');
  });
});

describe('ledger.verify', () => {
  it('fails an invalid ledger with its first bad entry, keeping the report', async () => {
    const report = {
      valid: false,
      mode: 'full',
      checked: 7,
      head: 9,
      firstBadSeq: 4,
      reason: 'entry hash mismatch',
    };
    const url = await serve((req, res) => {
      res.writeHead(req.url === '/v1/ledger/verify' ? 200 : 404, {
        'content-type': 'application/json',
      });
      res.end(JSON.stringify(report));
    });
    const outcome = await runCheck(
      'ledger.verify',
      {},
      { service: httpService(url, { kind: 'ledger' }) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('ledger invalid at seq 4: entry hash mismatch');
    expect(outcome.measurements).toMatchObject({ valid: false, checked: 7, head: 9 });
    expect(JSON.parse(String(outcome.artifacts?.[0]?.content))).toEqual(report);
  });
});

describe('every live check on a target that is not there', () => {
  it.each([
    ['probe.contract', {}],
    ['probe.latency', { p95Ms: 100 }],
    ['metrics.contract', {}],
    ['trace.propagation', {}],
    ['errors.problem-json', {}],
    ['api.versioned', { paths: ['/items'] }],
    ['ledger.verify', {}],
  ])('%s fails with the cause, it does not throw', async (id, params) => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const outcome = await runCheck(id, params, { service: httpService(url, { kind: 'ledger' }) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('connection refused');
  });

  it('skips with its reason when the run was aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await runCheck(
      'probe.contract',
      {},
      { service: httpService(kit.url), signal: controller.signal },
    );
    expect(outcome).toMatchObject({ status: 'skip', reason: expect.stringContaining('aborted') });
  });
});
