import fc from 'fast-check';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticatedCoreApi } from './fixtures/authenticated-core-api.js';

let api: Awaited<ReturnType<typeof authenticatedCoreApi>>;
let pool: Pool;

beforeAll(async () => {
  api = await authenticatedCoreApi();
  pool = new Pool(api.base, { connections: 8 });
});
afterAll(async () => {
  await pool.close();
  await api.close();
});

/** A header value Node will put on the wire: visible ASCII and spaces, trimmed by nobody. */
const headerValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,60}[\x21-\x7e])?$/);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter(
  // Framing headers change how the body is read, not what the service does with it.
  (name) =>
    !['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade'].includes(
      name,
    ),
);

/** Bodies: JSON of every shape, near-misses of an item, and text that is not JSON at all. */
const body = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc
    .record(
      {
        name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)),
        quantity: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(-1)),
        extra: fc.anything({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 400 }),
  fc.constant('{"name":"bolt","quantity":3}'),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/problem+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
);

const target = fc.oneof(
  fc.constant({ method: 'POST', path: '/v1/items' }),
  fc.constant({ method: 'POST', path: '/v1/tools/fetch' }),
  fc
    .string({ maxLength: 12 })
    .map((limit) => ({ method: 'GET', path: `/v1/items?limit=${encodeURIComponent(limit)}` })),
  fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })).map((id) => ({
    method: 'GET',
    path: `/v1/items/${encodeURIComponent(id)}`,
  })),
  fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })).map((id) => ({
    method: 'DELETE',
    path: `/v1/items/${encodeURIComponent(id)}`,
  })),
);

const credential = fc.oneof(
  fc.constant('full'),
  fc.constant('readOnly'),
  fc.constant('none'),
  headerValue.map((value) => `raw:${value}`),
);

describe('core-api under random input', () => {
  it('answers 10,000 random bodies and headers on its schema-checked routes without a 5xx', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        target,
        body,
        contentType,
        credential,
        fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
        async (where, text, type, who, extra) => {
          const headers: Record<string, string> = { ...extra, 'content-type': type };
          if (who === 'full') headers['x-api-key'] = api.credentials.apiKeys.full;
          else if (who === 'readOnly') headers['x-api-key'] = api.credentials.apiKeys.readOnly;
          else if (who.startsWith('raw:')) headers['x-api-key'] = who.slice(4);
          const response = await pool.request({
            method: where.method as 'GET',
            path: where.path,
            headers,
            // A fetch with a valid URL would leave the machine; the gate is not configured, so
            // it answers 503 by design: keep bodies there to ones the schema refuses.
            ...(where.method === 'POST'
              ? { body: where.path === '/v1/tools/fetch' ? `x${text}` : text }
              : {}),
          });
          await response.body.dump();
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 10_000 },
    );
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(10_000);
    // The generators reach past authentication into validation and the handlers.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    const live = await pool.request({ method: 'GET', path: '/live' });
    expect(live.statusCode).toBe(200);
    await live.body.dump();
  }, 180_000);
});
