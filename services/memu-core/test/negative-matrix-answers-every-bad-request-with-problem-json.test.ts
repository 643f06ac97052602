import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiKeyDocument, addApiKey, emptyApiKeyDocument, revokeApiKey } from '@bulwark/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemuCore } from './fixtures/memu-core.js';

let memu: Awaited<ReturnType<typeof startMemuCore>>;
let dir: string;
const keys = { full: '', readOnly: '', revoked: '' };
const ids = { current: '', superseded: '', forgotten: '', held: '' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'memu-auth-'));
  let document: ApiKeyDocument = emptyApiKeyDocument();
  const issue = (subject: string, scopes: string[]) => {
    const issued = addApiKey(document, { subject, scopes });
    document = issued.document;
    return issued;
  };
  keys.full = issue('agent', ['memories:read', 'memories:write']).key;
  keys.readOnly = issue('auditor', ['memories:read']).key;
  const revoked = issue('former', ['memories:read', 'memories:write']);
  keys.revoked = revoked.key;
  document = revokeApiKey(document, revoked.entry.id).document;
  const keyFile = join(dir, 'api-keys.json');
  writeFileSync(keyFile, JSON.stringify(document));
  memu = await startMemuCore({ BULWARK_AUTH: 'required', BULWARK_API_KEYS: keyFile });

  const write = await send('POST', '/v1/memories', {
    memories: [
      { namespace: 'n', subject: 's', content: 'one' },
      { namespace: 'n', subject: 's', content: 'two' },
      { namespace: 'n', subject: 's', content: 'three' },
      { namespace: 'held', subject: 's', content: 'four' },
    ],
  });
  expect(write.status).toBe(201);
  [ids.current, ids.superseded, ids.forgotten, ids.held] = write.body.memories.map(
    (m: { id: string }) => m.id,
  );
  expect(
    (await send('POST', `/v1/memories/${ids.superseded}/supersede`, { content: 'x' })).status,
  ).toBe(201);
  expect((await send('DELETE', `/v1/memories/${ids.forgotten}`)).status).toBe(200);
  expect((await send('PUT', '/v1/namespaces/held/retention', { legalHold: true })).status).toBe(
    200,
  );
});
afterAll(async () => {
  await memu?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: any;
}

async function send(
  method: string,
  path: string,
  body?: unknown,
  options: { key?: string | null; contentType?: string; raw?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? keys.full : options.key;
  if (key !== null) headers['x-api-key'] = key;
  let payload: string | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${memu.base}${path}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    body: parsed,
  };
}

const memory = (extra: Record<string, unknown> = {}) => ({
  namespace: 'n',
  subject: 's',
  content: 'c',
  ...extra,
});
const write = (memories: unknown[]) => send('POST', '/v1/memories', { memories });
const search = (body: Record<string, unknown>) => send('POST', '/v1/memories/search', body);
const vector = (n: number) => Array(n).fill(0.1);

const cases: Array<{ name: string; status: number; code: string; send: () => Promise<Answer> }> = [
  {
    name: 'no credentials',
    status: 401,
    code: 'BW_UNAUTHORIZED',
    send: () => send('GET', `/v1/memories/${ids.current}`, undefined, { key: null }),
  },
  {
    name: 'a revoked API key',
    status: 401,
    code: 'BW_UNAUTHORIZED',
    send: () => send('GET', `/v1/memories/${ids.current}`, undefined, { key: keys.revoked }),
  },
  {
    name: 'a write with a read-only key',
    status: 403,
    code: 'BW_FORBIDDEN',
    send: () => send('POST', '/v1/memories', { memories: [memory()] }, { key: keys.readOnly }),
  },
  {
    name: 'a forget with a read-only key',
    status: 403,
    code: 'BW_FORBIDDEN',
    send: () => send('DELETE', `/v1/memories/${ids.current}`, undefined, { key: keys.readOnly }),
  },
  { name: 'an empty batch', status: 400, code: 'BW_VALIDATION', send: () => write([]) },
  {
    name: 'a batch of 101 memories',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write(Array(101).fill(memory())),
  },
  {
    name: 'content over 8192 characters',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write([memory({ content: 'x'.repeat(8193) })]),
  },
  {
    name: 'empty content',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write([memory({ content: '' })]),
  },
  {
    name: 'a memory without a subject',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write([{ namespace: 'n', content: 'c' }]),
  },
  {
    name: 'an unknown field',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write([memory({ owner: 'me' })]),
  },
  {
    name: 'a namespace with a slash',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write([memory({ namespace: 'a/b' })]),
  },
  {
    name: 'validFrom that is not a time',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write([memory({ validFrom: 'yesterday' })]),
  },
  {
    name: 'validTo before validFrom',
    status: 400,
    code: 'BW_VALIDATION',
    send: () =>
      write([memory({ validFrom: '2024-01-02T00:00:00Z', validTo: '2024-01-01T00:00:00Z' })]),
  },
  {
    name: 'an embedding of 3 numbers',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => write([memory({ embedding: vector(3) })]),
  },
  {
    name: 'metadata with 33 fields',
    status: 400,
    code: 'BW_VALIDATION',
    send: () =>
      write([
        memory({
          metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])),
        }),
      ]),
  },
  {
    name: 'a body that is not JSON',
    status: 400,
    code: 'BW_HTTP_400',
    send: () => send('POST', '/v1/memories', undefined, { raw: '{"memories": [' }),
  },
  {
    name: 'a text/plain body',
    status: 415,
    code: 'BW_UNSUPPORTED_MEDIA_TYPE',
    send: () =>
      send('POST', '/v1/memories', undefined, { raw: 'hello', contentType: 'text/plain' }),
  },
  {
    name: 'JSON nested too deeply',
    status: 400,
    code: 'BW_JSON_TOO_DEEP',
    send: () =>
      send('POST', '/v1/memories', undefined, {
        raw: `{"memories":[{"metadata":{"a":${'['.repeat(200)}${']'.repeat(200)}}}]}`,
      }),
  },
  {
    name: 'an id that is not a UUID',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => send('GET', '/v1/memories/not-a-uuid'),
  },
  {
    name: 'an id no memory has',
    status: 404,
    code: 'BW_NOT_FOUND',
    send: () => send('GET', '/v1/memories/00000000-0000-4000-8000-000000000000'),
  },
  {
    name: 'a search with both text and vector',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => search({ text: 'a', vector: vector(384) }),
  },
  {
    name: 'a search with neither text nor vector',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => search({ k: 3 }),
  },
  {
    name: 'a search with k 0',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => search({ text: 'a', k: 0 }),
  },
  {
    name: 'a search with k 101',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => search({ text: 'a', k: 101 }),
  },
  {
    name: 'a search vector of 383 numbers',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => search({ vector: vector(383) }),
  },
  {
    name: 'a search with asOf that is not a time',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => search({ text: 'a', asOf: 'last week' }),
  },
  {
    name: 'superseding a memory no one wrote',
    status: 404,
    code: 'BW_NOT_FOUND',
    send: () =>
      send('POST', '/v1/memories/00000000-0000-4000-8000-000000000000/supersede', { content: 'x' }),
  },
  {
    name: 'superseding a superseded memory',
    status: 409,
    code: 'MEMU_MEMORY_CLOSED',
    send: () => send('POST', `/v1/memories/${ids.superseded}/supersede`, { content: 'x' }),
  },
  {
    name: 'superseding a forgotten memory',
    status: 409,
    code: 'MEMU_MEMORY_CLOSED',
    send: () => send('POST', `/v1/memories/${ids.forgotten}/supersede`, { content: 'x' }),
  },
  {
    name: 'a supersede without content',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => send('POST', `/v1/memories/${ids.current}/supersede`, {}),
  },
  {
    name: 'forgetting a memory no one wrote',
    status: 404,
    code: 'BW_NOT_FOUND',
    send: () => send('DELETE', '/v1/memories/00000000-0000-4000-8000-000000000000'),
  },
  {
    name: 'forgetting under legal hold',
    status: 409,
    code: 'MEMU_LEGAL_HOLD',
    send: () => send('DELETE', `/v1/memories/${ids.held}`),
  },
  {
    name: 'a retention maxCount of 0',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => send('PUT', '/v1/namespaces/n/retention', { maxCount: 0 }),
  },
  {
    name: 'a retention policy with an unknown field',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => send('PUT', '/v1/namespaces/n/retention', { keepForever: true }),
  },
  {
    name: 'the retention of a namespace without a policy',
    status: 404,
    code: 'MEMU_NO_RETENTION_POLICY',
    send: () => send('GET', '/v1/namespaces/nobody/retention'),
  },
  {
    name: 'a job that does not exist',
    status: 400,
    code: 'BW_VALIDATION',
    send: () => send('POST', '/v1/jobs/defragment/run'),
  },
  {
    name: 'a method the path does not take',
    status: 405,
    code: 'BW_METHOD_NOT_ALLOWED',
    send: () => send('PATCH', '/v1/memories/search', {}),
  },
  {
    name: 'a path that does not exist',
    status: 404,
    code: 'BW_NOT_FOUND',
    send: () => send('GET', '/v1/memory'),
  },
];

describe('memu-core answers every bad request with exact 4xx problem+json', () => {
  it.each(cases)('$name → $status $code', async ({ status, code, send: go }) => {
    const answer = await go();
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body.status).toBe(status);
    expect(answer.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    for (const key of Object.values(keys)) expect(answer.text).not.toContain(key);
  });

  it('has at least twenty cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it('changed nothing: the refused forget left the held memory, the refused supersede the forgotten one', async () => {
    expect((await send('GET', `/v1/memories/${ids.held}`)).body.content).toBe('four');
    expect((await send('GET', `/v1/memories/${ids.forgotten}`)).body.state).toBe('forgotten');
    expect((await send('GET', `/v1/memories/${ids.current}`)).body.state).toBe('current');
  });
});
