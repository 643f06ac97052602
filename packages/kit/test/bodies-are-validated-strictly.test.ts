import { Type } from '@sinclair/typebox';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

let service: Service;
let url: string;
const received: unknown[] = [];

beforeAll(async () => {
  ({ service } = testService());
  service.app.post(
    '/v1/things',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            quantity: Type.Integer({ minimum: 0 }),
            tags: Type.Optional(Type.Array(Type.String())),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      received.push(req.body);
      return reply.code(201).send({ ok: true });
    },
  );
  service.app.get(
    '/v1/things',
    {
      schema: {
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, default: 10 }), deep: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        headers: Type.Object({ 'X-Tenant': Type.Optional(Type.String({ pattern: '^[a-z]+$' })) }),
      },
    },
    async (req) => ({ query: req.query }),
  );
  service.app.get(
    '/v1/things/:n',
    { schema: { params: Type.Object({ n: Type.Integer() }) } },
    async (req) => ({ params: req.params }),
  );
  await service.listen();
  url = baseUrl(service);
});
afterAll(() => service.shutdown());

async function post(body: string) {
  const response = await request(`${url}/v1/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
}

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await request(`${url}${path}`, { headers });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
}

describe('request bodies are validated strictly', () => {
  it.each([
    ['a number as a string', '{"name":"bolt","quantity":"3"}', 'body/quantity must be integer'],
    ['a boolean for a number', '{"name":"bolt","quantity":true}', 'body/quantity must be integer'],
    ['null for a number', '{"name":"bolt","quantity":null}', 'body/quantity must be integer'],
    [
      'a one-item array for a number',
      '{"name":"bolt","quantity":[5]}',
      'body/quantity must be integer',
    ],
    ['a number for a string', '{"name":123,"quantity":3}', 'body/name must be string'],
    ['a string for an array', '{"name":"bolt","quantity":3,"tags":"a"}', 'body/tags must be array'],
  ])('refuses %s instead of coercing it', async (_name, body, detail) => {
    const before = received.length;
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'BW_VALIDATION', detail });
    expect(received.length).toBe(before);
  });

  it('refuses an unknown field with a 400 that names it, instead of dropping it', async () => {
    const answer = await post('{"name":"bolt","quantity":3,"id":"mine"}');
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('body/id is not an allowed field');
    expect(answer.body.errors).toEqual([{ pointer: '#/id', detail: 'is not an allowed field' }]);
  });

  it('names a missing field', async () => {
    const answer = await post('{"quantity":3}');
    expect(answer.body.detail).toBe('body/name is required');
    expect(answer.body.errors).toEqual([{ pointer: '#/name', detail: 'is required' }]);
  });

  it('accepts a body of the right types, unchanged', async () => {
    const answer = await post('{"name":"bolt","quantity":3,"tags":["a"]}');
    expect(answer.status).toBe(201);
    expect(received.at(-1)).toEqual({ name: 'bolt', quantity: 3, tags: ['a'] });
  });

  it('still reads query strings, path parameters and headers as text', async () => {
    expect((await get('/v1/things?limit=5&deep=true')).body.query).toEqual({
      limit: 5,
      deep: true,
    });
    expect((await get('/v1/things')).body.query).toEqual({ limit: 10 });
    expect((await get('/v1/things/42')).body.params).toEqual({ n: 42 });
    // Header schemas match whatever case the schema names them in.
    expect((await get('/v1/things', { 'x-tenant': 'acme' })).status).toBe(200);
    const badHeader = await get('/v1/things', { 'x-tenant': 'ACME!' });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.errors).toEqual([
      { header: 'x-tenant', detail: 'must match pattern "^[a-z]+$"' },
    ]);
    const badQuery = await get('/v1/things?limit=0');
    expect(badQuery.body.errors).toEqual([{ parameter: 'limit', detail: 'must be >= 1' }]);
  });

  it('refuses an unknown query parameter where the schema allows none', async () => {
    const answer = await get('/v1/things?limit=5&limt=6');
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('querystring/limt is not an allowed field');
  });
});
