import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_ENDPOINT, type Service, ValidationError } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';
import { devCertificates, httpsRequest, temporaryDir } from './tls-certificates.js';

/** What a JSON API answers with, on every response (HSTS apart: see below). */
const EXPECTED = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

function withRoutes(service: Service): Service {
  service.app.get('/v1/ok', async () => ({ ok: true }));
  service.app.get('/v1/invalid', async (_request, reply) => {
    // A header set before throwing must survive the error handler, as must the kit's.
    reply.header('retry-after', '5');
    throw new ValidationError('quantity must be positive');
  });
  service.app.get('/v1/framed', async (_request, reply) => {
    // A route that means to be framed says so; its own value wins.
    reply.header('x-frame-options', 'SAMEORIGIN');
    return { ok: true };
  });
  return service;
}

describe('security headers over HTTP (on by default)', () => {
  let service: Service;
  let url: string;
  const get = async (path: string) => {
    const answer = await request(`${url}${path}`);
    await answer.body.dump();
    return answer;
  };

  beforeAll(async () => {
    service = withRoutes(testService().service);
    await service.listen();
    url = baseUrl(service);
  });
  afterAll(() => service.shutdown());

  it.each([
    ['a 200', '/v1/ok', 200],
    ['a probe', '/live', 200],
    ['a 404 problem+json', '/v1/nowhere', 404],
    ['a thrown 400 problem+json', '/v1/invalid', 400],
    ['an unexpected 500 problem+json', FAULT_ENDPOINT, 500],
  ])('are on %s', async (_case, path, status) => {
    const answer = await get(path);
    expect(answer.statusCode).toBe(status);
    expect(answer.headers).toMatchObject(EXPECTED);
    expect(answer.headers['x-powered-by']).toBeUndefined();
    // HSTS over plain HTTP is ignored by browsers and only says the setup is wrong.
    expect(answer.headers['strict-transport-security']).toBeUndefined();
  });

  it('leave the headers a handler set before throwing, and the kit ids', async () => {
    const answer = await get('/v1/invalid');
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.headers['x-request-id']).toBeDefined();
  });

  it('yield to a value the route sets itself', async () => {
    expect((await get('/v1/framed')).headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});

describe('security headers over HTTPS', () => {
  const work = temporaryDir('bulwark-security-headers-');
  let service: Service;
  let url: string;
  let ca: Buffer;

  beforeAll(async () => {
    const made = await devCertificates(work.dir);
    const [server] = made.services;
    if (!server) throw new Error('no server certificate');
    ca = readFileSync(made.ca.certFile);
    service = withRoutes(
      testService({
        tls: { certFile: server.certFile, keyFile: server.keyFile },
        securityHeaders: { hstsMaxAgeSec: 86_400 },
      }).service,
    );
    await service.listen();
    url = `https://localhost:${service.port}`;
  });
  afterAll(async () => {
    await service?.shutdown();
    work.remove();
  });

  it.each([
    ['a 200', '/v1/ok'],
    ['a 404', '/v1/nowhere'],
    ['a 400', '/v1/invalid'],
  ])('add HSTS with includeSubDomains to %s', async (_case, path) => {
    const answer = await httpsRequest(`${url}${path}`, { ca });
    expect(answer.headers).toMatchObject(EXPECTED);
    expect(answer.headers['strict-transport-security']).toBe('max-age=86400; includeSubDomains');
  });
});

describe('security headers turned off', () => {
  const hooksOf = async (service: Service) => {
    await service.app.ready();
    return service.app.printRoutes({ includeHooks: true, commonPrefix: false });
  };

  it('sends none of them and installs no hook', async () => {
    const { service } = testService({ securityHeaders: { enabled: false } });
    await service.listen();
    try {
      const answer = await request(`${baseUrl(service)}/live`);
      await answer.body.dump();
      for (const name of Object.keys(EXPECTED)) expect(answer.headers[name]).toBeUndefined();
      expect(await hooksOf(service)).not.toContain('securityHeaders()');
    } finally {
      await service.shutdown();
    }
    // The same service with them on shows the hook, so the check above can fail.
    const { service: on } = testService();
    expect(await hooksOf(on)).toContain('securityHeaders()');
    await on.shutdown();
  });
});
