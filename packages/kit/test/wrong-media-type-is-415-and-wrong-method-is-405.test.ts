import { Type } from '@sinclair/typebox';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

let service: Service;
let url: string;

beforeAll(async () => {
  ({ service } = testService());
  const Thing = Type.Object({ n: Type.Integer() }, { additionalProperties: false });
  service.app.post('/v1/things', { schema: { body: Thing } }, async () => ({ ok: true }));
  service.app.get('/v1/things', async () => ({ things: [] }));
  service.app.get('/v1/things/:id', async () => ({ ok: true }));
  service.app.delete('/v1/things/:id', async () => ({ ok: true }));
  // A route that takes text keeps getting it.
  service.app.post('/v1/notes', async (req) => ({ text: req.body }));
  service.app.get('/v1/missing', async (_req, reply) => reply.callNotFound());
  await service.listen();
  url = baseUrl(service);
});
afterAll(() => service.shutdown());

async function call(path: string, init: Parameters<typeof request>[1] = {}) {
  const response = await request(`${url}${path}`, init);
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (await response.body.json()) as Record<string, unknown>,
  };
}

describe('media type and method errors', () => {
  it('answers JSON sent as text/plain to a JSON route with 415, not a validation 400', async () => {
    const answer = await call('/v1/things', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"n":1}',
    });
    expect(answer.status).toBe(415);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ code: 'BW_UNSUPPORTED_MEDIA_TYPE', status: 415 });
    expect(answer.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a content type nothing parses with the same 415', async () => {
    const answer = await call('/v1/things', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'n=1',
    });
    expect(answer.status).toBe(415);
    expect(answer.body.code).toBe('BW_UNSUPPORTED_MEDIA_TYPE');
  });

  it('still hands text to a route without a JSON body schema', async () => {
    const answer = await call('/v1/notes', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(answer).toMatchObject({ status: 200, body: { text: 'hello' } });
  });

  it('answers a known path with an unsupported method with 405 and an Allow header', async () => {
    const put = await call('/v1/things', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(put.body).toMatchObject({ code: 'BW_METHOD_NOT_ALLOWED', status: 405 });
    expect(put.body.errorId).toMatch(/^[0-9a-f-]{36}$/);

    const patch = await call('/v1/things/7?x=1', { method: 'PATCH' });
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('GET, HEAD, DELETE');
  });

  it('keeps 404 for unknown paths, bad paths and a route that calls notFound', async () => {
    expect((await call('/v1/nothing', { method: 'PUT' })).status).toBe(404);
    expect((await call('/v1/missing')).status).toBe(404);
    // PUT has no routes at all, so its lookup never reached this parameter; GET's would stop
    // at it (over the router's length limit), and that is not a route that takes GET.
    const tooLong = await call(`/v1/things/${'a'.repeat(200)}`, { method: 'PUT' });
    expect(tooLong.status).toBe(404);
    expect(tooLong.headers.allow).toBeUndefined();
  });
});
