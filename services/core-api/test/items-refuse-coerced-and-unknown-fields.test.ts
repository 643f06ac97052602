import type { Service } from '@bulwark/kit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCoreApi } from '../src/index.js';

let service: Service;
let base: string;

beforeAll(async () => {
  service = buildCoreApi({
    env: {},
    handleProcessSignals: false,
    http: { port: 0 },
    shutdown: { drainDelayMs: 0 },
    logging: { level: 'silent' },
  });
  await service.listen();
  base = `http://127.0.0.1:${service.port}`;
});
afterAll(() => service.shutdown());

async function call(path: string, init: Parameters<typeof request>[1] = {}) {
  const response = await request(`${base}${path}`, init);
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (await response.body.json()) as Record<string, any>,
  };
}

const postItem = (body: string, contentType = 'application/json') =>
  call('/v1/items', { method: 'POST', headers: { 'content-type': contentType }, body });

describe('core-api /v1/items refuses what it used to coerce or drop', () => {
  it.each([
    ['"3"', 'body/quantity must be integer'],
    ['true', 'body/quantity must be integer'],
    ['null', 'body/quantity must be integer'],
    ['[5]', 'body/quantity must be integer'],
  ])('refuses quantity %s', async (quantity, detail) => {
    const answer = await postItem(`{"name":"bolt","quantity":${quantity}}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'BW_VALIDATION', detail });
  });

  it('refuses a name that is not a string', async () => {
    const answer = await postItem('{"name":123,"quantity":3}');
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('body/name must be string');
  });

  it('refuses a client-chosen id, naming the field, and stores nothing', async () => {
    const answer = await postItem(
      '{"id":"00000000-0000-4000-8000-000000000000","name":"bolt","quantity":3}',
    );
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('body/id is not an allowed field');
    expect(answer.body.errors).toEqual([{ pointer: '#/id', detail: 'is not an allowed field' }]);
    expect((await call('/v1/items')).body.items).toEqual([]);
  });

  it('answers JSON sent as text/plain with 415 and a wrong method with 405', async () => {
    const text = await postItem('{"name":"bolt","quantity":3}', 'text/plain');
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('BW_UNSUPPORTED_MEDIA_TYPE');
    const put = await call('/v1/items', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
  });

  it('still reads the list limit from the query string, and refuses unknown parameters', async () => {
    expect((await postItem('{"name":"bolt","quantity":3}')).status).toBe(201);
    expect((await call('/v1/items?limit=1')).body.items).toHaveLength(1);
    const unknown = await call('/v1/items?limt=1');
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toBe('querystring/limt is not an allowed field');
  });
});
