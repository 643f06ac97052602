import { systemPart } from '@bulwark/testkit';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DependencyProbe,
  dependencyProbe,
  httpProbe,
  livenessCheck,
  natsProbe,
  postgresProbe,
  redisProbe,
  type Service,
} from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

async function getJson(url: string) {
  const response = await request(url);
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
}

const tcp = (port: number) => ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`] as const;
const postgres = systemPart({
  name: 'PostgreSQL on 127.0.0.1:5432',
  install: 'apt-get install postgresql',
  probe: [...tcp(5432)],
});
const redis = systemPart({
  name: 'Redis on 127.0.0.1:6379',
  install: 'apt-get install redis-server',
  probe: [...tcp(6379)],
});
const nats = systemPart({
  name: 'NATS on 127.0.0.1:4222',
  install: 'apt-get install nats-server',
  probe: [...tcp(4222)],
});

describe('readiness', () => {
  it("shows a probe's details in /health, and survives details that throw", async () => {
    ({ service } = testService({ readiness: { intervalMs: 60_000 } }));
    service.addReadinessProbe(
      dependencyProbe({ name: 'queue', details: () => ({ depth: 3 }) }, async () => undefined),
    );
    service.addReadinessProbe(
      dependencyProbe(
        {
          name: 'faulty',
          details: () => {
            throw new Error('no figures');
          },
        },
        async () => undefined,
      ),
    );
    await service.listen();
    const health = await getJson(`${baseUrl(service)}/health`);
    expect(health.status).toBe(200);
    const byName = Object.fromEntries(
      (health.body.components as { name: string }[]).map((c) => [c.name, c]),
    );
    expect(byName.queue).toMatchObject({ status: 'pass', details: { depth: 3 } });
    expect(byName.faulty).toMatchObject({ status: 'pass' });
    expect(byName.faulty).not.toHaveProperty('details');
  });

  it('answers from cached results, so probe traffic never reaches the dependency', async () => {
    let calls = 0;
    ({ service } = testService({ readiness: { intervalMs: 60_000 } }));
    service.addReadinessProbe(
      dependencyProbe({ name: 'counted' }, async () => {
        calls++;
      }),
    );
    await service.listen();
    for (let i = 0; i < 25; i++)
      expect((await getJson(`${baseUrl(service)}/ready`)).status).toBe(200);
    expect(calls).toBe(1);
  });

  it('fails with the names of failing critical components, and times slow probes out', async () => {
    ({ service } = testService({ readiness: { intervalMs: 60_000, timeoutMs: 100 } }));
    service.addReadinessProbe(dependencyProbe({ name: 'healthy' }, async () => undefined));
    service.addReadinessProbe(
      dependencyProbe({ name: 'hanging' }, () => new Promise(() => undefined)),
    );
    service.addReadinessProbe(
      dependencyProbe({ name: 'optional-cache', critical: false }, async () => {
        throw new Error('down, with password=hunter2 in the message');
      }),
    );
    await service.listen();
    const ready = await getJson(`${baseUrl(service)}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'not_ready',
      reason: 'dependencies',
      failing: ['hanging'],
    });

    const health = await getJson(`${baseUrl(service)}/health`);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('fail');
    const byName = Object.fromEntries(health.body.components.map((c: any) => [c.name, c]));
    expect(byName.healthy.status).toBe('pass');
    expect(byName.healthy.last_success_at).toMatch(/^\d{4}-/);
    expect(byName.hanging.error).toMatch(/timed out after 100 ms/);
    expect(byName['optional-cache'].critical).toBe(false);
    expect(byName['optional-cache'].error).not.toContain('hunter2');
    // Liveness never looks at dependencies.
    expect((await getJson(`${baseUrl(service)}/live`)).status).toBe(200);
  });

  it('re-evaluates in the background and recovers', async () => {
    let up = false;
    ({ service } = testService({ readiness: { intervalMs: 50 } }));
    service.addReadinessProbe(
      dependencyProbe({ name: 'flappy' }, async () => {
        if (!up) throw new Error('not yet');
      }),
    );
    await service.listen();
    expect((await getJson(`${baseUrl(service)}/ready`)).status).toBe(503);
    up = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await getJson(`${baseUrl(service)}/ready`)).status).toBe(200);
  });

  it('keeps dependency probes off liveness, by type and at run time', () => {
    ({ service } = testService());
    const probe: DependencyProbe = dependencyProbe({ name: 'db' }, async () => undefined);
    // @ts-expect-error a dependency probe is not a liveness check
    expect(() => service!.addLivenessCheck(probe)).toThrow(/liveness checks only/);
    service.addLivenessCheck(livenessCheck('heap', () => ({ alive: true })));
    // @ts-expect-error a liveness check cannot be async
    livenessCheck('async', async () => ({ alive: true }));
  });

  it('reports a failing liveness check on /live', async () => {
    ({ service } = testService());
    service.addLivenessCheck(
      livenessCheck('event-loop', () => ({ alive: false, reason: 'stalled' })),
    );
    await service.listen();
    const live = await getJson(`${baseUrl(service)}/live`);
    expect(live.status).toBe(503);
    expect(live.body.failing).toEqual([{ name: 'event-loop', reason: 'stalled' }]);
  });

  it('answers /startup 503 until startup steps finish', async () => {
    ({ service } = testService());
    let release!: () => void;
    service.onStartup('migrate', () => new Promise<void>((resolve) => (release = resolve)));
    const listening = service.listen();
    // listen() binds before running the steps; wait for the port.
    while (!service.server.listening) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await getJson(`${baseUrl(service)}/startup`)).status).toBe(503);
    expect((await getJson(`${baseUrl(service)}/ready`)).body.reason).toBe('starting');
    expect((await getJson(`${baseUrl(service)}/live`)).status).toBe(200);
    release();
    await listening;
    expect((await getJson(`${baseUrl(service)}/startup`)).status).toBe(200);
  });
});

describe('dependency probes against real servers', () => {
  it.skipIf(!postgres.available)(
    'PostgreSQL: up through the pool, down on a dead port',
    async () => {
      const good = new pg.Pool({
        host: '127.0.0.1',
        port: 5432,
        user: 'postgres',
        database: 'postgres',
      });
      const bad = new pg.Pool({
        host: '127.0.0.1',
        port: 1,
        user: 'postgres',
        connectionTimeoutMillis: 500,
      });
      ({ service } = testService());
      service.resources.add('pg-good', () => good.end());
      service.resources.add('pg-bad', () => bad.end());
      service.addReadinessProbe(postgresProbe(good));
      service.addReadinessProbe(postgresProbe(bad, { name: 'postgres-replica', critical: false }));
      await service.listen();
      const health = await getJson(`${baseUrl(service)}/health`);
      expect(health.body.status).toBe('warn');
      const [primary, replica] = health.body.components;
      expect(primary).toMatchObject({ name: 'postgres', status: 'pass' });
      expect(replica).toMatchObject({ name: 'postgres-replica', status: 'fail' });
      expect(replica.error).toMatch(/ECONNREFUSED/);
    },
  );

  it.skipIf(!redis.available)('Redis: PING through the client', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await client.connect();
    ({ service } = testService());
    service.resources.add('redis', async () => {
      await client.quit();
    });
    service.addReadinessProbe(redisProbe(client));
    await service.listen();
    expect((await getJson(`${baseUrl(service)}/ready`)).status).toBe(200);
  });

  it.skipIf(!nats.available)(
    'NATS: a flush round trip, failing once the connection closes',
    async () => {
      const nc = await connect({ servers: '127.0.0.1:4222' });
      ({ service } = testService());
      const probe = natsProbe(nc);
      service.addReadinessProbe(probe);
      await service.listen();
      expect((await getJson(`${baseUrl(service)}/ready`)).status).toBe(200);
      await nc.close();
      await expect(probe.check(new AbortController().signal)).rejects.toThrow(/closed/);
    },
  );

  it('HTTP upstream: follows the upstream’s /ready', async () => {
    const upstream = testService().service;
    await upstream.listen();
    ({ service } = testService());
    service.addReadinessProbe(httpProbe(`${baseUrl(upstream)}/ready`, { name: 'upstream' }));
    await service.listen();
    expect((await getJson(`${baseUrl(service)}/ready`)).status).toBe(200);
    await upstream.shutdown();
    await service.readiness.evaluate();
    expect((await getJson(`${baseUrl(service)}/ready`)).body.failing).toEqual(['upstream']);
  });
});
