import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './checks-harness.js';
import {
  type ApiKeyFiles,
  apiKeyFiles,
  type BareTarget,
  type KitTarget,
  planService,
  requiredApiKeys,
  startBareFastify,
  startKitService,
} from './security-targets.js';

let keys: ApiKeyFiles;
let limited: KitTarget;
let bare: BareTarget;
let bareRefusal: BareTarget;

beforeAll(async () => {
  keys = apiKeyFiles();
  [limited, bare, bareRefusal] = await Promise.all([
    startKitService({
      auth: requiredApiKeys(keys),
      rateLimit: {
        enabled: true,
        rules: [{ name: 'subject', by: ['route', 'subject'], points: 20, windowMs: 2_000 }],
      },
    }),
    startBareFastify(),
    // A 429 the way a hand-written limiter often sends it: no Retry-After, no problem details.
    startBareFastify((app) => {
      let seen = 0;
      app.get('/v1/limited', async (_request, reply) =>
        ++seen > 5 ? reply.code(429).send({ error: 'slow down' }) : { ok: true },
      );
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([limited?.stop(), bare?.stop(), bareRefusal?.stop()]);
  keys?.remove();
});

const withKey = () => planService(limited.url, { credentials: { apiKeyFile: keys.keyFile } });

describe('ratelimit.enforced', () => {
  it('passes the kit: a 429 after the 20 allowed, with Retry-After, problem+json and RateLimit headers', async () => {
    const outcome = await runCheck(
      'ratelimit.enforced',
      { waitForReset: false },
      { service: withKey() },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /^429 on request \d+ of GET \/v1\/items, with Retry-After \d+ and problem\+json with an errorId and RateLimit headers$/,
    );
    expect(outcome.measurements?.['status.200']).toBe(20);
    expect(outcome.measurements?.requestsBefore429).toBeGreaterThanOrEqual(20);
    expect(outcome.measurements?.rateLimitHeaders).toBe(true);
    const headers = JSON.parse(
      String(outcome.artifacts?.find((a) => a.name === '429.headers.json')?.content),
    ) as Record<string, string>;
    expect(headers['retry-after']).toMatch(/^\d+$/);
    expect(headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(outcome)).not.toContain(keys.key);
  });

  it('waits out the Retry-After, so the checks after it are served again', async () => {
    const started = Date.now();
    const outcome = await runCheck('ratelimit.enforced', {}, { service: withKey() });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements?.waitedMs).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(Number(outcome.measurements?.waitedMs));
    const after = await runCheck('auth.enforced', {}, { service: withKey() });
    expect(after.measurements?.['/v1/items authenticated.status']).toBe(200);
  });

  it('fails a service that never limits, with what it answered', async () => {
    const outcome = await runCheck(
      'ratelimit.enforced',
      { maxRequests: 40, concurrency: 4 },
      { service: planService(bare.url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('GET /v1/items: no 429 after 40 requests (40× 200)');
    expect(outcome.measurements).toMatchObject({ requestsSent: 40, 'status.200': 40 });
  });

  it('fails a 429 without Retry-After or problem details', async () => {
    const outcome = await runCheck(
      'ratelimit.enforced',
      { path: '/v1/limited', concurrency: 1 },
      { service: planService(bareRefusal.url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^429 on request 6 of GET \/v1\/limited: no Retry-After header, Content-Type "application\/json; charset=utf-8" is not application\/problem\+json/,
    );
  });

  it('fails when every request is refused before any limit: the plan lacks credentials', async () => {
    const outcome = await runCheck(
      'ratelimit.enforced',
      { maxRequests: 10 },
      { service: planService(limited.url) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe(
      'GET /v1/items: every request answered 401 before any limit (credentials: none in the plan)',
    );
  });
});
