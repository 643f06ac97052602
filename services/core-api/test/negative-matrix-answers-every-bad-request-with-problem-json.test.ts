import { connect } from 'node:net';
import { type CryptoKey, type JWTPayload, SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  authenticatedCoreApi,
  type Credentials,
  ISSUER,
} from './fixtures/authenticated-core-api.js';

let api: Awaited<ReturnType<typeof authenticatedCoreApi>>;
let keys: Credentials;
/** Every credential a request in this file sends: none may come back in an answer. */
const sent: string[] = [];

beforeAll(async () => {
  api = await authenticatedCoreApi();
  keys = api.credentials;
  sent.push(...Object.values(keys.apiKeys), keys.idp.publicPem);
});
afterAll(() => api.close());

const now = () => Math.floor(Date.now() / 1000);

async function jwt(
  claims: JWTPayload = {},
  options: { key?: CryptoKey | Uint8Array; alg?: string; omit?: string[] } = {},
): Promise<string> {
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'agent-7',
    scope: 'items:read items:write',
    iat: now(),
    exp: now() + 300,
    ...claims,
  };
  for (const name of options.omit ?? []) delete payload[name];
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'RS256' })
    .sign(options.key ?? keys.idp.privateKey);
  sent.push(token);
  return token;
}

/** An unsigned token: `alg: none`, which jose will not make. */
function unsigned(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now() + 60 })}.`;
  sent.push(token);
  return token;
}

interface Case {
  name: string;
  status: number;
  code?: string;
  send: () => Promise<{ status: number; contentType: string; body: string }>;
}

async function http(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const response = await request(`${api.base}${path}`, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    body: await response.body.text(),
  };
}

/** Bytes no HTTP client will send (CR LF inside a header, a header past Node's limit). */
function raw(bytes: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(api.service.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const contentType = /content-type: *([^\r\n]+)/i.exec(head)?.[1] ?? '';
      resolve({ status, contentType, body });
    });
    socket.end(bytes);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const withKey =
  (key: () => string, extra: Record<string, string> = {}) =>
  () => ({
    'x-api-key': key(),
    ...extra,
  });
const full = withKey(() => keys.apiKeys.full);
const json = (body: string, headers: Record<string, string> = full()) =>
  ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }) as const;
const put = (body: string, headers: Record<string, string> = full()) =>
  ({ method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body }) as const;
const NEW_ITEM = '{"name":"bolt","quantity":3}';
/** A well-formed id no item has. */
const SOME_ID = '00000000-0000-4000-8000-000000000000';

function nested(depth: number): string {
  return `{"name":"x","quantity":1,"extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

const cases: Case[] = [
  // Credentials: JWTs.
  { name: 'no credentials', status: 401, send: () => http('/v1/items') },
  {
    name: 'an empty bearer token',
    status: 401,
    send: () => http('/v1/items', { headers: { authorization: 'Bearer ' } }),
  },
  {
    name: 'a bearer token that is not a JWT',
    status: 401,
    send: () => http('/v1/items', { headers: bearer('not-a-jwt') }),
  },
  {
    name: 'a JWT of three garbage parts',
    status: 401,
    send: () => http('/v1/items', { headers: bearer('a.b.c') }),
  },
  {
    name: 'an expired JWT',
    status: 401,
    send: async () =>
      http('/v1/items', { headers: bearer(await jwt({ iat: now() - 7200, exp: now() - 3600 })) }),
  },
  {
    name: 'a JWT not valid yet',
    status: 401,
    send: async () => http('/v1/items', { headers: bearer(await jwt({ nbf: now() + 3600 })) }),
  },
  {
    name: 'a JWT with alg none',
    status: 401,
    send: () => http('/v1/items', { headers: bearer(unsigned()) }),
  },
  {
    name: 'a JWT signed with the wrong key',
    status: 401,
    send: async () =>
      http('/v1/items', { headers: bearer(await jwt({}, { key: keys.impostor.privateKey })) }),
  },
  {
    name: 'a JWT for another audience',
    status: 401,
    send: async () => http('/v1/items', { headers: bearer(await jwt({ aud: 'billing-api' })) }),
  },
  {
    name: 'a JWT from another issuer',
    status: 401,
    send: async () =>
      http('/v1/items', { headers: bearer(await jwt({ iss: 'https://evil.test/' })) }),
  },
  {
    name: 'an HS256 JWT keyed with the RSA public key',
    status: 401,
    send: async () =>
      http('/v1/items', {
        headers: bearer(
          await jwt({}, { alg: 'HS256', key: new TextEncoder().encode(keys.idp.publicPem) }),
        ),
      }),
  },
  {
    name: 'a JWT without exp',
    status: 401,
    send: async () => http('/v1/items', { headers: bearer(await jwt({}, { omit: ['exp'] })) }),
  },
  {
    name: 'a JWT without sub',
    status: 401,
    send: async () => http('/v1/items', { headers: bearer(await jwt({}, { omit: ['sub'] })) }),
  },
  {
    name: 'HTTP Basic credentials',
    status: 401,
    send: () => http('/v1/items', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
  },
  {
    name: 'a JWT without the scope the route needs',
    status: 403,
    send: async () => http('/v1/items', json(NEW_ITEM, bearer(await jwt({ scope: 'items:read' })))),
  },
  // Credentials: API keys.
  {
    name: 'an API key nobody issued',
    status: 401,
    send: () =>
      http('/v1/items', { headers: { 'x-api-key': `bwk_${'0'.repeat(16)}_${'A'.repeat(43)}` } }),
  },
  {
    name: 'a known key id with the wrong secret',
    status: 401,
    send: () =>
      http('/v1/items', { headers: { 'x-api-key': `${keys.apiKeys.full.slice(0, -5)}AAAAA` } }),
  },
  {
    name: 'a revoked API key',
    status: 401,
    send: () => http('/v1/items', { headers: { 'x-api-key': keys.apiKeys.revoked } }),
  },
  {
    name: 'an expired API key',
    status: 401,
    send: () => http('/v1/items', { headers: { 'x-api-key': keys.apiKeys.expired } }),
  },
  {
    name: 'a malformed API key',
    status: 401,
    send: () => http('/v1/items', { headers: { 'x-api-key': 'letmein' } }),
  },
  {
    name: 'a read-only key on a write',
    status: 403,
    send: () => http('/v1/items', json(NEW_ITEM, { 'x-api-key': keys.apiKeys.readOnly })),
  },
  // Bodies.
  {
    name: 'an oversized body',
    status: 413,
    send: () => http('/v1/items', json(`{"name":"${'x'.repeat(2 * 1024 * 1024)}","quantity":1}`)),
  },
  { name: 'malformed JSON', status: 400, send: () => http('/v1/items', json('{"name":"bolt",')) },
  { name: 'an empty JSON body', status: 400, send: () => http('/v1/items', json('')) },
  {
    name: 'a text/plain body',
    status: 415,
    send: () =>
      http('/v1/items', {
        method: 'POST',
        headers: { ...full(), 'content-type': 'text/plain' },
        body: NEW_ITEM,
      }),
  },
  {
    name: 'a form body',
    status: 415,
    send: () =>
      http('/v1/items', {
        method: 'POST',
        headers: { ...full(), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=bolt&quantity=3',
      }),
  },
  {
    name: 'an unknown field',
    status: 400,
    send: () => http('/v1/items', json('{"name":"bolt","quantity":3,"owner":"root"}')),
  },
  { name: 'a body nested 200 deep', status: 400, send: () => http('/v1/items', json(nested(200))) },
  {
    name: 'a __proto__ key',
    status: 400,
    send: () =>
      http('/v1/items', json('{"name":"bolt","quantity":3,"__proto__":{"isAdmin":true}}')),
  },
  {
    name: 'a constructor.prototype key',
    status: 400,
    send: () =>
      http(
        '/v1/items',
        json('{"name":"bolt","quantity":3,"constructor":{"prototype":{"isAdmin":true}}}'),
      ),
  },
  { name: 'an array body', status: 400, send: () => http('/v1/items', json('[1,2,3]')) },
  {
    name: 'a quantity given as a string',
    status: 400,
    send: () => http('/v1/items', json('{"name":"bolt","quantity":"3"}')),
  },
  {
    name: 'a fetch URL that is not http(s)',
    status: 400,
    send: () => http('/v1/tools/fetch', json('{"url":"file:///etc/passwd"}')),
  },
  // Replacing an item (PUT).
  {
    name: 'a PUT without the items:write scope',
    status: 403,
    send: () => http(`/v1/items/${SOME_ID}`, put(NEW_ITEM, { 'x-api-key': keys.apiKeys.readOnly })),
  },
  {
    name: 'a PUT of an item that does not exist',
    status: 404,
    send: () => http(`/v1/items/${SOME_ID}`, put(NEW_ITEM)),
  },
  {
    name: 'a PUT to an id that is not a UUID',
    status: 400,
    send: () => http('/v1/items/42', put(NEW_ITEM)),
  },
  {
    name: 'a PUT without a quantity',
    status: 400,
    send: () => http(`/v1/items/${SOME_ID}`, put('{"name":"bolt"}')),
  },
  {
    name: 'a PUT with an unknown field',
    status: 400,
    send: () => http(`/v1/items/${SOME_ID}`, put('{"name":"bolt","quantity":3,"version":9}')),
  },
  {
    name: 'a PUT with a negative quantity',
    status: 400,
    send: () => http(`/v1/items/${SOME_ID}`, put('{"name":"bolt","quantity":-1}')),
  },
  {
    name: 'a PUT with malformed JSON',
    status: 400,
    send: () => http(`/v1/items/${SOME_ID}`, put('{"name":')),
  },
  // Query strings and parameters.
  {
    name: 'a limit that is not a number',
    status: 400,
    send: () => http('/v1/items?limit=abc', { headers: full() }),
  },
  {
    name: 'a limit past the maximum',
    status: 400,
    send: () => http('/v1/items?limit=100000', { headers: full() }),
  },
  {
    name: 'an unknown query parameter',
    status: 400,
    send: () => http('/v1/items?admin=true', { headers: full() }),
  },
  {
    name: 'an item id that is not a UUID',
    status: 400,
    send: () => http('/v1/items/42', { headers: full() }),
  },
  // Paths.
  {
    name: 'path traversal with dots',
    status: 404,
    send: () => raw('GET /v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
  },
  {
    name: 'percent-encoded traversal in a parameter',
    status: 400,
    send: () => http('/v1/items/..%2f..%2fetc%2fpasswd', { headers: full() }),
  },
  {
    name: 'a NUL byte in a parameter',
    status: 400,
    send: () => http('/v1/items/abc%00def', { headers: full() }),
  },
  {
    name: 'bad percent-encoding',
    status: 400,
    send: () => http('/v1/items/%zz', { headers: full() }),
  },
  { name: 'an unknown path', status: 404, send: () => http('/v1/admin', { headers: full() }) },
  {
    name: 'a method the path does not take',
    status: 405,
    send: () => http('/v1/items', { method: 'PATCH', headers: full() }),
  },
  // Header injection: bytes Node's parser refuses before a request exists.
  {
    name: 'CR LF injected into a header value',
    status: 400,
    send: () =>
      raw(
        'GET /v1/items HTTP/1.1\r\nHost: x\r\nX-Api-Key: a\rSet-Cookie: admin=1\r\nConnection: close\r\n\r\n',
      ),
  },
  {
    name: 'a bare LF inside a header name',
    status: 400,
    send: () =>
      raw('GET /v1/items HTTP/1.1\r\nHost: x\r\nX-A\npi-Key: a\r\nConnection: close\r\n\r\n'),
  },
  {
    name: 'a header past the size limit',
    status: 431,
    send: () =>
      raw(
        `GET /v1/items HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      ),
  },
];

describe('core-api answers each bad request with the right 4xx problem+json', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name → $status', async ({ status, send }) => {
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.contentType).toContain('application/problem+json');
    const problem = JSON.parse(answer.body) as Record<string, unknown>;
    expect(problem.status).toBe(status);
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof problem.code).toBe('string');
    expect(answer.body).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.ts:\d+/);
    for (const secret of sent) expect(answer.body).not.toContain(secret.slice(0, 40));
  });

  it('still serves a good request after all of them', async () => {
    const created = await http('/v1/items', json(NEW_ITEM));
    expect(created.status).toBe(201);
    const listed = await http('/v1/items', { headers: full() });
    expect(JSON.parse(listed.body).items).toHaveLength(1);
  });
});
