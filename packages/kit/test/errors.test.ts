import { Type } from '@sinclair/typebox';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, type Service } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

async function call(path: string, init: Parameters<typeof request>[1] = {}) {
  const response = await request(`${baseUrl(service!)}${path}`, init);
  return {
    status: response.statusCode,
    type: response.headers['content-type'],
    body: (await response.body.json()) as Record<string, unknown>,
  };
}

describe('errors as RFC 9457 problem details', () => {
  it('map typed errors, validation, parse errors, 404s and crashes to problem+json', async () => {
    const { service: svc, logs } = testService();
    service = svc;
    svc.app.post(
      '/v1/things',
      { schema: { body: Type.Object({ n: Type.Integer() }, { additionalProperties: false }) } },
      async () => {
        throw new ConflictError('thing already exists');
      },
    );
    svc.app.get('/v1/crash', async () => {
      throw new TypeError('cannot read properties of undefined (reading "secretThing")');
    });
    await svc.listen();
    const json = { 'content-type': 'application/json' };

    const conflict = await call('/v1/things', { method: 'POST', headers: json, body: '{"n":1}' });
    expect(conflict.status).toBe(409);
    expect(conflict.type).toBe('application/problem+json; charset=utf-8');
    expect(conflict.body).toMatchObject({
      type: 'urn:bulwark:problem:bw_conflict',
      title: 'Conflict',
      status: 409,
      detail: 'thing already exists',
      code: 'BW_CONFLICT',
      instance: '/v1/things',
    });
    expect(conflict.body.errorId).toMatch(/^[0-9a-f-]{36}$/);

    const invalid = await call('/v1/things', { method: 'POST', headers: json, body: '{"n":"x"}' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('BW_VALIDATION');
    expect(invalid.body.detail).toBe('body/n must be integer');

    const malformed = await call('/v1/things', {
      method: 'POST',
      headers: json,
      body: '{"n": tok',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toBe('the request body is not valid JSON');

    const media = await call('/v1/things', {
      method: 'POST',
      headers: { 'content-type': 'text/x-weird' },
      body: 'x',
    });
    expect(media.status).toBe(415);

    const missing = await call('/v1/nothing-here?token=abc');
    expect(missing.status).toBe(404);
    expect(missing.body.instance).toBe('/v1/nothing-here');

    const crash = await call('/v1/crash');
    expect(crash.status).toBe(500);
    expect(crash.body.code).toBe('BW_INTERNAL');
    expect(JSON.stringify(crash.body)).not.toContain('secretThing');
    // The error id in the response is the one in the error log line.
    const logged = logs.records().find((r) => r.error_id === crash.body.errorId);
    expect(logged?.level).toBe('error');
    expect(JSON.stringify(logged)).toContain('secretThing');
  });
});
