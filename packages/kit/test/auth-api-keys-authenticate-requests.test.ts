import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, revokeApiKey, writeApiKeyDocument } from '../src/auth/api-keys/index.js';
import type { Service } from '../src/index.js';
import { documentWithKeys, tempDir } from './auth-fixtures/api-key-files.js';
import { authFailures, call, expectRefusal } from './auth-fixtures/auth-requests.js';
import { testService } from './helpers.js';

const HOUR = 3_600_000;
const work = tempDir('bulwark-auth-keys-');
afterAll(() => work.remove());

/** Routes that show what the kit decided: the principal, or null where no auth ran. */
function withRoutes(service: Service): Service {
  service.app.get('/whoami', async (request) => ({ principal: request.principal }));
  service.app.get('/items', { config: { auth: { scopes: ['items:read'] } } }, async () => ({
    items: [],
  }));
  service.app.get('/items/write', { config: { auth: { scopes: ['items:write'] } } }, async () => ({
    written: true,
  }));
  service.app.get('/public', { config: { auth: false } }, async (request) => ({
    principal: request.principal,
  }));
  return service;
}

describe('API keys authenticate requests', () => {
  const file = join(work.dir, 'api-keys.json');
  let service: Service;
  let logs: ReturnType<typeof testService>['logs'];
  let reader: string;
  let writer: string;
  let revoked: string;
  let expired: string;
  let pending: string;

  beforeAll(async () => {
    const now = Date.now();
    const made = documentWithKeys([
      { subject: 'reporting', scopes: ['items:read'], org: 'acme' },
      { subject: 'ingest', scopes: ['items:*'] },
      { subject: 'former-partner', scopes: ['items:read'] },
      {
        subject: 'old-batch',
        scopes: ['items:read'],
        now: new Date(now - 2 * HOUR),
        expiresAt: new Date(now - HOUR),
      },
      { subject: 'next-quarter', scopes: ['items:read'], notBefore: new Date(now + HOUR) },
    ]);
    [reader, writer, revoked, expired, pending] = made.keys as [
      string,
      string,
      string,
      string,
      string,
    ];
    const revokedId = made.document.keys[2]?.id as string;
    await writeApiKeyDocument(file, revokeApiKey(made.document, revokedId).document);
    ({ service, logs } = testService({
      auth: { mode: 'required', apiKeys: { source: file, reloadIntervalMs: 0 } },
    }));
    await withRoutes(service).listen();
  });
  afterAll(() => service.shutdown());

  it('a valid key in x-api-key or Authorization: ApiKey names its principal', async () => {
    const viaHeader = await call(service, '/whoami', { 'x-api-key': reader });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.principal).toMatchObject({
      subject: 'reporting',
      kind: 'api-key',
      scopes: ['items:read'],
      org: 'acme',
    });
    expect((viaHeader.body.principal as { keyId: string }).keyId).toMatch(/^[0-9a-f]{16}$/);
    const viaAuthorization = await call(service, '/whoami', { authorization: `ApiKey ${writer}` });
    expect(viaAuthorization.status).toBe(200);
    expect(viaAuthorization.body.principal).toMatchObject({ subject: 'ingest' });
  });

  it('no credential is a 401 whose challenge and message name the accepted schemes', async () => {
    const answer = await call(service, '/whoami');
    expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail: /x-api-key/ });
    expect(answer.headers['www-authenticate']).toBe('ApiKey realm="kit-test", header="x-api-key"');
  });

  it.each([
    ['malformed', () => 'hunter2-not-an-api-key', /malformed/],
    ['wrong secret for a known id', () => `${reader.slice(0, -4)}AAAA`, /unknown key/],
    ['unknown id', () => generateApiKey().text, /unknown key/],
    ['revoked', () => revoked, /revoked/],
    ['expired', () => expired, /expired/],
    ['not yet valid', () => pending, /not valid yet/],
  ])('a %s key is a 401 that never echoes the key', async (_name, key, detail) => {
    const text = key();
    const answer = await call(service, '/whoami', { 'x-api-key': text });
    expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail }, [
      text,
      text.slice(-43),
    ]);
  });

  it('a present but invalid credential is refused even when a valid one comes with it', async () => {
    const answer = await call(service, '/whoami', {
      authorization: `ApiKey ${revoked}`,
      'x-api-key': reader,
    });
    expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail: /revoked/ }, [revoked]);
  });

  it('an Authorization scheme the service does not take is a 401', async () => {
    for (const authorization of ['Basic dXNlcjpodW50ZXIy', 'Bearer eyJhbGciOi.x.y']) {
      const answer = await call(service, '/whoami', { authorization });
      expectRefusal(answer, { status: 401, code: 'BW_UNAUTHORIZED', detail: /scheme/ }, [
        'dXNlcjpodW50ZXIy',
        'eyJhbGciOi',
      ]);
    }
  });

  it('a key without the scope a route needs is a 403 naming the scope', async () => {
    const answer = await call(service, '/items/write', { 'x-api-key': reader });
    expectRefusal(answer, { status: 403, code: 'BW_FORBIDDEN', detail: /items:write/ }, [reader]);
    expect((await call(service, '/items', { 'x-api-key': reader })).status).toBe(200);
    // items:* covers items:write.
    expect((await call(service, '/items/write', { 'x-api-key': writer })).status).toBe(200);
  });

  it('probes, opted-out routes and unmatched paths need no credential', async () => {
    for (const probe of ['/live', '/startup', '/ready', '/health', '/metrics']) {
      expect((await call(service, probe)).status, probe).toBe(200);
    }
    const open = await call(service, '/public');
    expect(open.status).toBe(200);
    expect(open.body.principal).toBeNull();
    const unmatched = await call(service, '/no/such/route');
    expect(unmatched.status).toBe(404);
    expect(unmatched.body.code).toBe('BW_NOT_FOUND');
  });

  it('the access line carries the subject', async () => {
    await call(service, '/whoami', { 'x-api-key': writer, 'x-request-id': 'subject-line-1' });
    await expect
      .poll(() =>
        logs
          .records()
          .find((r) => r.msg === 'request completed' && r.request_id === 'subject-line-1'),
      )
      .toMatchObject({ route: '/whoami', status: 200, subject: 'ingest' });
  });

  it('counts refusals by reason in auth_failures_total', async () => {
    const before = await authFailures(service);
    await call(service, '/whoami', { 'x-api-key': revoked });
    await call(service, '/whoami');
    await call(service, '/items/write', { 'x-api-key': reader });
    const after = await authFailures(service);
    expect((after.revoked ?? 0) - (before.revoked ?? 0)).toBe(1);
    expect((after.missing ?? 0) - (before.missing ?? 0)).toBe(1);
    expect((after.insufficient_scope ?? 0) - (before.insufficient_scope ?? 0)).toBe(1);
  });

  it('/health reports the key set', async () => {
    const health = await call(service, '/health');
    expect(JSON.stringify(health.body)).toContain('"keys":5');
    expect(health.text).not.toContain('sha256:');
  });
});

describe('a key document that cannot be used fails the start', () => {
  let service: Service | undefined;
  afterEach(async () => {
    await service?.shutdown();
    service = undefined;
  });

  it('a missing file is a ConfigError naming the file', async () => {
    const missing = join(work.dir, 'nowhere.json');
    ({ service } = testService({ auth: { mode: 'required', apiKeys: { source: missing } } }));
    await expect(service.listen()).rejects.toThrow(`API keys file ${missing} does not exist`);
  });

  it('a malformed document is a ConfigError naming the file and not its content', async () => {
    const bad = join(work.dir, 'bad.json');
    const leaked = generateApiKey().text;
    writeFileSync(bad, `{"format":"bulwark.api-keys/v1","keys":[{"id":"${leaked}"}]}`);
    ({ service } = testService({ auth: { mode: 'required', apiKeys: { source: bad } } }));
    const failure = await service.listen().catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('ConfigError');
    expect((failure as Error).message).toContain(bad);
    expect((failure as Error).message).not.toContain(leaked);
  });

  it('auth required with no credential configured is refused when the service is made', () => {
    expect(() => testService({ auth: { mode: 'required' } })).toThrow(
      /no credential is configured/,
    );
  });
});
