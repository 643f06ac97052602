import {
  type PrivateServer,
  privateNatsPart,
  privateRedisPart,
  startPrivateNats,
  startPrivateRedis,
} from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpService, runCheck } from './checks-harness.js';
import { dependencyService } from './drill-dependency-harness.js';

const redis = privateRedisPart();
const nats = privateNatsPart();

const limits = {
  readyFlipWithinMs: 5_000,
  failFastMs: 1_000,
  recoverWithinMs: 20_000,
  sampleIntervalMs: 50,
};

describe.skipIf(!redis.available)('drill.dependency on a private Redis', () => {
  let server: PrivateServer;
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    await server?.remove();
  });

  it('passes a service that fails fast while Redis is down and recovers', async () => {
    const service = await dependencyService('redis', server.url);
    try {
      const outcome = await runCheck(
        'drill.dependency',
        {
          dependency: 'redis',
          stop: server.commands.stop,
          start: server.commands.start,
          ...limits,
          requests: ['/v1/dependency'],
        },
        { service: httpService(service.url) },
      );
      expect(outcome.status, outcome.summary).toBe('pass');
      expect(outcome.summary).toMatch(
        /^redis outage: \/ready 503 after [\d.]+ ms \(limit 5000 ms\); 3 requests answered 503 in at most [\d.]+ ms \(limit 1000 ms\); ready again [\d.]+ ms after start \(limit 20000 ms\)$/,
      );
      expect(outcome.measurements).toMatchObject({ readyFlipStatus: 503, outageFailedFast: 3 });
      expect(server.pid()).toEqual(expect.any(Number));
    } finally {
      await service.stop();
    }
  });

  it('fails when writes acknowledged before the outage are gone after it (no persistence)', async () => {
    const service = await dependencyService('redis', server.url);
    try {
      const outcome = await runCheck(
        'drill.dependency',
        {
          dependency: 'redis',
          stop: server.commands.stop,
          start: server.commands.start,
          ...limits,
          requests: ['/v1/dependency'],
          attempts: 1,
          acknowledged: {
            mode: 'http',
            count: 3,
            write: { path: '/v1/items', body: { id: 'item-{run}-{n}' } },
            read: '/v1/items/{id}',
          },
        },
        { service: httpService(service.url) },
      );
      expect(outcome.status).toBe('fail');
      expect(outcome.summary).toMatch(
        /^redis outage: 3 of 3 acknowledged writes lost \(GET \/v1\/items\/\{id\} answered 404 for item-[0-9a-f]{12}-1, item-[0-9a-f]{12}-2, item-[0-9a-f]{12}-3\)$/,
      );
      expect(outcome.measurements).toMatchObject({
        acknowledged: 3,
        acknowledgedPresent: 0,
        acknowledgedLost: 3,
      });
      const rows = JSON.parse(
        String(outcome.artifacts?.find((a) => a.name === 'acknowledged.json')?.content),
      );
      expect(rows.map((r: { readBack: number }) => r.readBack)).toEqual([404, 404, 404]);
    } finally {
      await service.stop();
    }
  });
});

describe.skipIf(!nats.available)('drill.dependency on a private NATS', () => {
  let server: PrivateServer;
  beforeAll(async () => {
    server = await startPrivateNats();
  });
  afterAll(async () => {
    await server?.remove();
  });

  it('passes a service whose request-reply fails fast while NATS is down and reconnects', async () => {
    const service = await dependencyService('nats', server.url);
    try {
      const outcome = await runCheck(
        'drill.dependency',
        {
          dependency: 'nats',
          stop: server.commands.stop,
          start: server.commands.start,
          ...limits,
          // A request-reply times out at 1000 ms in the fixture: allow the answer a little more.
          failFastMs: 1_500,
          requests: ['/v1/dependency'],
          attempts: 2,
        },
        { service: httpService(service.url) },
      );
      expect(outcome.status, outcome.summary).toBe('pass');
      expect(outcome.summary).toMatch(/^nats outage: \/ready 503 after [\d.]+ ms/);
      expect(outcome.measurements).toMatchObject({ readyFlipStatus: 503, outageFailedFast: 2 });
      expect(server.pid()).toEqual(expect.any(Number));
    } finally {
      await service.stop();
    }
  });
});
