import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { RATE_LIMIT_HEADERS } from '../src/limits/rate-limiting.js';
import { baseUrl, testService } from './helpers.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

type Rule = {
  name: string;
  by: Array<'route' | 'subject' | 'org' | 'ip'>;
  points: number;
  windowMs: number;
};

/** A service whose principal comes from test headers, as authentication would set it. */
async function limitedService(rules: Rule[]) {
  const made = testService({
    shedding: { enabled: false },
    rateLimit: { enabled: true, rules },
  });
  service = made.service;
  const { app } = made.service;
  app.addHook('onRequest', (req, _reply, done) => {
    const subject = req.headers['x-test-subject'];
    const org = req.headers['x-test-org'];
    if (typeof subject === 'string') {
      req.principal = {
        subject,
        kind: 'api-key',
        scopes: [],
        ...(typeof org === 'string' ? { org } : {}),
      };
    }
    done();
  });
  app.get('/v1/a', async () => ({ route: 'a' }));
  app.get('/v1/b', async () => ({ route: 'b' }));
  app.get('/v1/items/:id', async () => ({ route: 'item' }));
  app.get('/v1/open', { config: { rateLimit: false } }, async () => ({ route: 'open' }));
  app.get(
    '/v1/tight',
    {
      config: {
        rateLimit: [{ name: 'tight', by: ['route', 'subject'], points: 1, windowMs: 60_000 }],
      },
    },
    async () => ({ route: 'tight' }),
  );
  await made.service.listen();
  return made;
}

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await request(`${baseUrl(service!)}${path}`, { headers });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

async function statuses(path: string, count: number, headers: Record<string, string> = {}) {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await get(path, headers)).status);
  return seen;
}

async function metricsText(): Promise<string> {
  return (await get('/metrics')).text;
}

const perSubject: Rule = { name: 'subject', by: ['route', 'subject'], points: 3, windowMs: 60_000 };

describe('in-memory rate limiting', () => {
  it('limits each route separately, and each subject separately within a route', async () => {
    await limitedService([perSubject]);
    const alice = { 'x-test-subject': 'alice' };
    expect(await statuses('/v1/a', 5, alice)).toEqual([200, 200, 200, 429, 429]);
    // Another route has its own bucket, and so has another subject on the same route.
    expect(await statuses('/v1/b', 3, alice)).toEqual([200, 200, 200]);
    expect(await statuses('/v1/a', 3, { 'x-test-subject': 'bob' })).toEqual([200, 200, 200]);
    // Anonymous callers are keyed by their address, apart from any principal.
    expect(await statuses('/v1/a', 4)).toEqual([200, 200, 200, 429]);
    // A route is its template: different ids share one bucket.
    expect(
      [
        await get('/v1/items/1', alice),
        await get('/v1/items/2', alice),
        await get('/v1/items/3', alice),
        await get('/v1/items/4', alice),
      ].map((r) => r.status),
    ).toEqual([200, 200, 200, 429]);
  });

  it('answers 429 problem+json with Retry-After and RateLimit headers, and counts it', async () => {
    await limitedService([perSubject]);
    const alice = { 'x-test-subject': 'alice' };
    const first = await get('/v1/a', alice);
    expect(first.status).toBe(200);
    expect(first.headers[RATE_LIMIT_HEADERS.limit]).toBe('3');
    expect(first.headers[RATE_LIMIT_HEADERS.remaining]).toBe('2');
    expect(Number(first.headers[RATE_LIMIT_HEADERS.reset])).toBeGreaterThanOrEqual(59);
    expect(Number(first.headers[RATE_LIMIT_HEADERS.reset])).toBeLessThanOrEqual(60);
    expect(first.headers['retry-after']).toBeUndefined();
    await get('/v1/a', alice);
    const third = await get('/v1/a', alice);
    expect(third.headers[RATE_LIMIT_HEADERS.remaining]).toBe('0');

    const refused = await get('/v1/a', alice);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers[RATE_LIMIT_HEADERS.limit]).toBe('3');
    expect(refused.headers[RATE_LIMIT_HEADERS.remaining]).toBe('0');
    expect(refused.headers[RATE_LIMIT_HEADERS.reset]).toBe(String(retryAfter));
    const problem = JSON.parse(refused.text);
    expect(problem).toMatchObject({ status: 429, code: 'BW_RATE_LIMITED', instance: '/v1/a' });
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused.text).not.toContain('alice');

    await get('/v1/a', alice);
    const metrics = await metricsText();
    expect(metrics).toContain('rate_limit_hits_total{route="/v1/a",rule="subject"} 2');
  });

  it('never limits the probes, nor a route that opts out', async () => {
    await limitedService([{ name: 'tiny', by: ['subject'], points: 1, windowMs: 60_000 }]);
    for (const probe of ['/live', '/ready', '/health', '/metrics', '/startup']) {
      const seen = await statuses(probe, 4);
      expect(
        seen.every((s) => s === 200),
        `${probe}: ${seen}`,
      ).toBe(true);
      expect((await get(probe)).headers[RATE_LIMIT_HEADERS.limit]).toBeUndefined();
    }
    expect(await statuses('/v1/open', 4)).toEqual([200, 200, 200, 200]);
    expect((await get('/v1/open')).headers[RATE_LIMIT_HEADERS.limit]).toBeUndefined();
    // An unmatched path is a 404, never a 429.
    expect(await statuses('/nowhere', 3)).toEqual([404, 404, 404]);
    expect(await statuses('/v1/a', 2)).toEqual([200, 429]);
  });

  it("applies a route's own rules instead of the service's", async () => {
    await limitedService([perSubject]);
    const alice = { 'x-test-subject': 'alice' };
    const first = await get('/v1/tight', alice);
    expect(first.status).toBe(200);
    expect(first.headers[RATE_LIMIT_HEADERS.limit]).toBe('1');
    const second = await get('/v1/tight', alice);
    expect(second.status).toBe(429);
    expect(await metricsText()).toContain(
      'rate_limit_hits_total{route="/v1/tight",rule="tight"} 1',
    );
    // The service-wide rule still holds elsewhere.
    expect(await statuses('/v1/a', 4, alice)).toEqual([200, 200, 200, 429]);
  });

  it('consumes every rule and reports the tightest; a per-org rule skips callers without an org', async () => {
    await limitedService([
      { name: 'subject', by: ['route', 'subject'], points: 5, windowMs: 60_000 },
      { name: 'org', by: ['org'], points: 3, windowMs: 60_000 },
    ]);
    const acme = (subject: string) => ({ 'x-test-subject': subject, 'x-test-org': 'acme' });
    const first = await get('/v1/a', acme('alice'));
    // The org rule (3 points) is tighter than the subject rule (5).
    expect(first.headers[RATE_LIMIT_HEADERS.limit]).toBe('3');
    expect(first.headers[RATE_LIMIT_HEADERS.remaining]).toBe('2');
    // The org's budget is shared by its subjects, across routes.
    expect((await get('/v1/b', acme('bob'))).status).toBe(200);
    expect((await get('/v1/a', acme('carol'))).status).toBe(200);
    const refused = await get('/v1/b', acme('dave'));
    expect(refused.status).toBe(429);
    expect(await metricsText()).toContain('rate_limit_hits_total{route="/v1/b",rule="org"} 1');
    // No org: only the subject rule applies.
    const noOrg = await statuses('/v1/a', 6, { 'x-test-subject': 'erin' });
    expect(noOrg).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('refuses a route whose own rules are malformed, when the route is registered', async () => {
    const made = testService({ shedding: { enabled: false }, rateLimit: { enabled: true } });
    service = made.service;
    expect(() =>
      made.service.app.get(
        '/bad',
        { config: { rateLimit: [{ name: 'Bad Name', by: [], points: 0, windowMs: 1 }] } },
        async () => ({}),
      ),
    ).toThrow(/config\.rateLimit must be false or 1 to 16 rules/);
  });

  it('installs nothing when disabled: no headers, no metric families', async () => {
    const made = testService({ shedding: { enabled: false } });
    service = made.service;
    made.service.app.get('/v1/a', async () => ({}));
    await made.service.listen();
    expect(await statuses('/v1/a', 3)).toEqual([200, 200, 200]);
    expect((await get('/v1/a')).headers[RATE_LIMIT_HEADERS.limit]).toBeUndefined();
    expect(await metricsText()).not.toContain('rate_limit_');
  });
});
