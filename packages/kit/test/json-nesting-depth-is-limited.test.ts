import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonNestingExceeds } from '../src/http/json-depth.js';
import { loadConfig, type Service } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

const nested = (depth: number, open = '[', close = ']') =>
  `${open.repeat(depth)}${close.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A route that walks what it is given the way storing or hashing a payload does. */
async function started(options: Parameters<typeof testService>[0] = {}) {
  const { service: svc } = testService(options);
  service = svc;
  svc.app.post(
    '/v1/entries',
    { schema: { body: Type.Object({ payload: Type.Unknown() }) } },
    async (req) => ({ bytes: JSON.stringify(req.body).length }),
  );
  await svc.listen();
  return async (body: string) => {
    const response = await request(`${baseUrl(svc)}/v1/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return {
      status: response.statusCode,
      body: (await response.body.json()) as Record<string, unknown>,
    };
  };
}

describe('JSON nesting depth', () => {
  it('refuses a body nested past the limit with a 400 that says so, instead of overflowing the stack', async () => {
    const post = await started();
    for (const payload of [nested(100_000), nestedObjects(50_000)]) {
      const answer = await post(`{"payload":${payload}}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'BW_JSON_TOO_DEEP',
        detail:
          'the request body is nested too deeply: at most 64 levels of arrays and objects are accepted',
      });
      expect(JSON.stringify(answer.body)).not.toMatch(/stack|not JSON/i);
    }
  });

  it('accepts nesting up to the limit, counting the body object itself', async () => {
    const post = await started();
    expect((await post(`{"payload":${nested(63)}}`)).status).toBe(200);
    expect((await post(`{"payload":${nested(64)}}`)).status).toBe(400);
  });

  it('takes its limit from the kit configuration', async () => {
    expect(loadConfig({ name: 'svc', version: '1' }, {}).http.maxJsonDepth).toBe(64);
    const post = await started({ http: { port: 0, maxJsonDepth: 3 } });
    expect((await post('{"payload":[[1]]}')).status).toBe(200);
    const deeper = await post('{"payload":[[[1]]]}');
    expect(deeper.status).toBe(400);
    expect(deeper.body.detail).toContain('at most 3 levels');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingExceeds(`{"a":"${'['.repeat(500)}"}`, 2)).toBe(false);
    expect(jsonNestingExceeds(`{"a":"\\"${'{'.repeat(500)}"}`, 2)).toBe(false);
    expect(jsonNestingExceeds(`{"a\\\\":[[1]]}`, 2)).toBe(true);
    expect(jsonNestingExceeds('[[]]', 2)).toBe(false);
    expect(jsonNestingExceeds('[[[]]]', 2)).toBe(true);
    expect(jsonNestingExceeds('[[],[],[]]', 2)).toBe(false);
  });

  it('agrees with the depth of the parsed value on random JSON', () => {
    const depthOf = (value: unknown): number =>
      typeof value === 'object' && value !== null
        ? 1 + Math.max(0, ...Object.values(value).map(depthOf))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, limit) => {
        const text = JSON.stringify(value, null, 1);
        expect(jsonNestingExceeds(text, limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 1_000 },
    );
  });
});
