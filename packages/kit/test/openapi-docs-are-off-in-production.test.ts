import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApiKeyDocument } from '../src/auth/api-keys/index.js';
import {
  ConfigError,
  loadConfig,
  OPENAPI_ENDPOINTS,
  OpenApiDisabledError,
  type Service,
  type ServiceOptions,
} from '../src/index.js';
import { documentWithKeys, tempDir } from './auth-fixtures/api-key-files.js';
import { call } from './auth-fixtures/auth-requests.js';
import { testService } from './helpers.js';

const work = tempDir('bulwark-openapi-docs-');
afterAll(() => work.remove());

const KIT_CSP = "default-src 'none';frame-ancestors 'none'";

async function started(options: Partial<ServiceOptions>): Promise<Service> {
  const { service } = testService(options);
  service.app.get('/v1/things', async () => ({ things: [] }));
  await service.listen();
  return service;
}

describe('Swagger UI at /docs', () => {
  let development: Service;
  let production: Service;

  beforeAll(async () => {
    [development, production] = await Promise.all([
      started({ environment: 'development' }),
      started({ environment: 'production' }),
    ]);
  });
  afterAll(() => Promise.all([development.shutdown(), production.shutdown()]));

  it('serves the UI outside production, with a CSP that lets it run', async () => {
    const page = await call(development, OPENAPI_ENDPOINTS.docs);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui-bundle.js');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // The other security headers stay the kit's.
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await call(development, `${OPENAPI_ENDPOINTS.docs}/static/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it("keeps the kit's strict CSP everywhere but the UI", async () => {
    const document = await call(development, OPENAPI_ENDPOINTS.document);
    expect(document.headers['content-security-policy']).toBe(KIT_CSP);
    const route = await call(development, '/v1/things');
    expect(route.headers['content-security-policy']).toBe(KIT_CSP);
  });

  it('answers /docs with 404 in production, and still serves /openapi.json', async () => {
    const page = await call(production, OPENAPI_ENDPOINTS.docs);
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toMatch(/^application\/problem\+json/);
    const document = await call(production, OPENAPI_ENDPOINTS.document);
    expect(document.status).toBe(200);
    expect(document.body.paths).toHaveProperty('/v1/things');
  });
});

describe('openapi settings', () => {
  it('turns the UI on in production with BULWARK_OPENAPI_DOCS=true', async () => {
    const service = await started({
      environment: 'production',
      env: { BULWARK_OPENAPI_DOCS: 'true' },
    });
    expect((await call(service, OPENAPI_ENDPOINTS.docs)).status).toBe(200);
    await service.shutdown();
  });

  it('turns it off in development with BULWARK_OPENAPI_DOCS=false', async () => {
    const service = await started({ env: { BULWARK_OPENAPI_DOCS: 'false' } });
    expect((await call(service, OPENAPI_ENDPOINTS.docs)).status).toBe(404);
    expect((await call(service, OPENAPI_ENDPOINTS.document)).status).toBe(200);
    await service.shutdown();
  });

  it('serves neither with BULWARK_OPENAPI=false, and service.openapi() says why', async () => {
    const service = await started({ env: { BULWARK_OPENAPI: 'false' } });
    expect((await call(service, OPENAPI_ENDPOINTS.document)).status).toBe(404);
    expect((await call(service, OPENAPI_ENDPOINTS.docs)).status).toBe(404);
    await expect(service.openapi()).rejects.toBeInstanceOf(OpenApiDisabledError);
    await service.shutdown();
  });

  it('refuses the UI without the document it renders', () => {
    expect(() =>
      loadConfig({ name: 'x', version: '1', openapi: { enabled: false, docs: true } }, {}),
    ).toThrow(ConfigError);
    expect(loadConfig({ name: 'x', version: '1' }, {}).openapi).toEqual({ enabled: true });
  });
});

describe('a service that requires authentication', () => {
  let service: Service;

  beforeAll(async () => {
    const file = join(work.dir, 'api-keys.json');
    await writeApiKeyDocument(file, documentWithKeys([{ subject: 'a', scopes: [] }]).document);
    const { service: made } = testService({
      auth: { mode: 'required', apiKeys: { source: file } },
    });
    service = made;
    service.app.get('/v1/things', async () => ({ things: [] }));
    // A route of the service's own under the UI's prefix is not made public with it.
    service.app.get(`${OPENAPI_ENDPOINTS.docs}/internal`, async () => ({ secret: true }));
    await service.listen();
  });
  afterAll(() => service.shutdown());

  it('serves /openapi.json and the UI to anyone', async () => {
    expect((await call(service, OPENAPI_ENDPOINTS.document)).status).toBe(200);
    expect((await call(service, OPENAPI_ENDPOINTS.docs)).status).toBe(200);
    expect((await call(service, `${OPENAPI_ENDPOINTS.docs}/json`)).status).toBe(200);
  });

  it('still asks for credentials everywhere else', async () => {
    expect((await call(service, '/v1/things')).status).toBe(401);
    expect((await call(service, `${OPENAPI_ENDPOINTS.docs}/internal`)).status).toBe(401);
  });
});
