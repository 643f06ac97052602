import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpService, runCheck } from './checks-harness.js';
import { dependencyService, readinessStatuses } from './drill-dependency-harness.js';

const postgres = privatePostgresPart();

describe.skipIf(!postgres.available)('drill.dependency on a private PostgreSQL', () => {
  let db: PrivateServer;
  beforeAll(async () => {
    db = await startPrivatePostgres();
  });
  afterAll(async () => {
    await db?.remove();
  });

  const params = () => ({
    dependency: 'postgres',
    stop: db.commands.stop,
    start: db.commands.start,
    readyFlipWithinMs: 5_000,
    failFastMs: 1_000,
    recoverWithinMs: 20_000,
    sampleIntervalMs: 50,
  });

  it('passes a service that fails fast with 503 problem+json and recovers, keeping what it acknowledged', async () => {
    const service = await dependencyService('postgres', db.url);
    try {
      const outcome = await runCheck(
        'drill.dependency',
        {
          ...params(),
          requests: [
            '/v1/dependency',
            { method: 'POST', path: '/v1/items', body: { id: 'written-during-the-outage' } },
            '/ready',
          ],
          attempts: 2,
          acknowledged: {
            mode: 'http',
            count: 5,
            write: { path: '/v1/items', body: { id: 'drill-{run}-{n}' } },
            read: '/v1/items/{id}',
          },
        },
        { service: httpService(service.url) },
      );
      expect(outcome.status, outcome.summary).toBe('pass');
      expect(outcome.summary).toMatch(
        /^postgres outage: \/ready 503 after [\d.]+ ms \(limit 5000 ms\); 6 requests answered 503 in at most [\d.]+ ms \(limit 1000 ms\); ready again [\d.]+ ms after start \(limit 20000 ms\); all 5 acknowledged writes read back$/,
      );
      const m = outcome.measurements as Record<string, number | boolean | string>;
      expect(m).toMatchObject({
        readyFlipStatus: 503,
        outageRequests: 6,
        outageFailedFast: 6,
        outageHung: false,
        acknowledged: 5,
        acknowledgedPresent: 5,
        acknowledgedLost: 0,
      });
      expect(m.failFastMaxMs).toBeLessThanOrEqual(1_000);
      expect(m.readyFlipMs).toBeLessThanOrEqual(5_000);
      expect(m.recoverMs).toBeLessThanOrEqual(20_000);
      // The readiness timeline: ready, then 503 while PostgreSQL is down, then ready again.
      const statuses = readinessStatuses(outcome);
      const changes = statuses.filter((status, i) => i === 0 || statuses[i - 1] !== status);
      expect(changes).toEqual([200, 503, 200]);
      const answers = JSON.parse(
        String(outcome.artifacts?.find((a) => a.name === 'outage-answers.json')?.content),
      );
      expect(answers[0]).toMatchObject({
        request: 'GET /v1/dependency',
        status: 503,
        contentType: 'application/problem+json; charset=utf-8',
        problems: [],
      });
      expect(JSON.parse(answers[0].body)).toMatchObject({
        status: 503,
        code: 'BW_DEPENDENCY_UNAVAILABLE',
      });
      // The dependency runs again, and the write attempted during the outage was refused.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const ids = await client.query('SELECT id FROM drill_items ORDER BY id');
      await client.end();
      expect(ids.rows.map((r) => r.id)).toHaveLength(5);
      expect(ids.rows.map((r) => r.id)).not.toContain('written-during-the-outage');
    } finally {
      await service.stop();
    }
  });

  it('fails a service that hangs on its database instead of answering 503, with the figure', async () => {
    const service = await dependencyService('postgres', db.url, { DRILL_BROKEN: 'hangs' });
    try {
      const outcome = await runCheck(
        'drill.dependency',
        { ...params(), requests: ['/v1/dependency'] },
        { service: httpService(service.url) },
      );
      expect(outcome.status).toBe('fail');
      expect(outcome.summary).toMatch(
        /^postgres outage: GET \/v1\/dependency: no answer within \d+ ms \(limit 1000 ms\)$/,
      );
      const m = outcome.measurements as Record<string, number | boolean>;
      // Its readiness probe is the kit's, so /ready did flip; only the request hung.
      expect(m).toMatchObject({ readyFlipStatus: 503, outageHung: true, outageRequests: 1 });
      expect(m.failFastMaxMs).toBeGreaterThan(1_000);
      expect(m.recoverMs).toEqual(expect.any(Number));
      expect(db.pid()).toEqual(expect.any(Number));
    } finally {
      await service.stop();
    }
  });
});
