import { freePort, systemPart } from '@bulwark/testkit';
import pg from 'pg';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { dependencyProbe, postgresProbe, type Service } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

const postgres = systemPart({
  name: 'PostgreSQL on 127.0.0.1:5432',
  install: 'apt-get install postgresql',
  probe: ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/5432'],
});

let service: Service | undefined;
afterEach(async () => {
  // Closes the README example's pool too: it is one of the service's resources.
  await service?.shutdown();
  service = undefined;
});

async function getJson(url: string) {
  const response = await request(url);
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
}

/** The README's "build your own service", with DATABASE_URL pointing where `url` says. */
async function readmeExample(url: string) {
  const built = testService({ readiness: { intervalMs: 60_000, timeoutMs: 2_000 } });
  service = built.service;
  const pool = new pg.Pool({ connectionString: url });
  service.resources.add('postgres', () => pool.end());
  service.addReadinessProbe(postgresProbe(pool));
  await service.listen();
  return { service, msgs: () => built.logs.records().map((r) => String(r.msg)) };
}

describe('lifecycle state and readiness', () => {
  it('a started service whose database is down never says ready: not in the log, not in /health', async () => {
    // Nothing listens on this port: PostgreSQL is "down".
    const { service, msgs } = await readmeExample(
      `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
    );
    const url = baseUrl(service);
    expect((await getJson(`${url}/ready`)).status).toBe(503);
    const health = await getJson(`${url}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'fail', state: 'started', reason: 'dependencies' });
    expect(service.state).toBe('started');

    expect(msgs()).toContain(`kit-test started on ${url}`);
    expect(msgs()).toContain('kit-test not ready: /ready answers 503 until postgres passes');
    expect(msgs().filter((m) => /\bready on\b/.test(m))).toEqual([]);
  });

  it.skipIf(!postgres.available)(
    'with the database up, logs "ready on" and /ready answers 200',
    async () => {
      const { service, msgs } = await readmeExample('postgres://postgres@127.0.0.1:5432/postgres');
      const url = baseUrl(service);
      expect((await getJson(`${url}/ready`)).status).toBe(200);
      expect((await getJson(`${url}/health`)).body).toMatchObject({
        status: 'pass',
        state: 'started',
      });
      expect(msgs()).toContain(`kit-test ready on ${url}`);
      expect(msgs().filter((m) => m.includes('not ready'))).toEqual([]);
    },
  );

  it('logs each change of readiness once, when /ready changes', async () => {
    let up = false;
    const built = testService({ readiness: { intervalMs: 50, timeoutMs: 500 } });
    service = built.service;
    service.addReadinessProbe(
      dependencyProbe({ name: 'flaky' }, async () => {
        if (!up) throw new Error('down');
      }),
    );
    await service.listen();
    const url = baseUrl(service);
    const readiness = () =>
      built.logs
        .records()
        .map((r) => String(r.msg))
        .filter((m) => / ready on |not ready:/.test(m));
    const until = async (predicate: () => boolean) => {
      for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
    };

    expect(readiness()).toEqual(['kit-test not ready: /ready answers 503 until flaky passes']);
    up = true;
    await until(() => readiness().length === 2);
    expect((await getJson(`${url}/ready`)).status).toBe(200);
    up = false;
    await until(() => readiness().length === 3);
    expect((await getJson(`${url}/ready`)).status).toBe(503);
    // Many evaluations ran in between; only the changes were logged.
    expect(readiness()).toEqual([
      'kit-test not ready: /ready answers 503 until flaky passes',
      `kit-test ready on ${url}`,
      'kit-test not ready: /ready answers 503 until flaky passes',
    ]);
  });

  it('a shutdown during startup keeps the last word: the state never turns started', async () => {
    const built = testService();
    service = built.service;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    service.onStartup('slow', () => gate);
    const listening = service.listen();
    await new Promise((r) => setTimeout(r, 50));
    const stopped = service.shutdown('test');
    release();
    await listening.catch(() => undefined);
    await stopped;
    expect(service.state).toBe('stopped');
    const msgs = built.logs.records().map((r) => String(r.msg));
    expect(msgs.filter((m) => m.includes('started on') || m.includes('ready on'))).toEqual([]);
  });
});
