import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from './fixtures/consumers.js';
import {
  call,
  type RunningProcess,
  startConsumerProcess,
  startRegistryProcess,
} from './fixtures/processes.js';

/**
 * The registry's default, end to end: main.ts on a PGlite directory with no NATS_URL and no
 * CONFIG_TRANSPORT_URL runs the embedded transport (a log in its own database, served over its
 * HTTP routes), and three consumer services in other processes follow it through
 * BULWARK_CONFIG_REGISTRY_URL. No broker, no shared PostgreSQL: the janitor toggle still goes
 * through every stage, and a bad update is still refused and reverted.
 */
const NO_BROKER = { NATS_URL: '', CONFIG_TRANSPORT_URL: '' };
const IDS = ['i-1', 'i-2', 'i-3'];

let dir: string;
let registry: Awaited<ReturnType<typeof startRegistryProcess>>;
const consumers = new Map<string, RunningProcess>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'config-registry-embedded-e2e-'));
  registry = await startRegistryProcess({
    ...NO_BROKER,
    DATABASE_URL: '',
    BULWARK_CONFIG_REGISTRY_DATA_DIR: dir,
    BULWARK_CONFIG_ACK_TIMEOUT_MS: '8000',
    BULWARK_CONFIG_BAKE_MS: '500',
    BULWARK_CONFIG_HEALTH_INTERVAL_MS: '100',
  });
  for (const id of IDS) {
    consumers.set(
      id,
      await startConsumerProcess(id, { ...NO_BROKER, BULWARK_CONFIG_REGISTRY_URL: registry.base }),
    );
  }
  await until(
    () => call(registry.base, 'GET', '/v1/configs/notifications/instances'),
    (answer) => answer.body?.instances?.length === IDS.length,
    60_000,
  );
}, 180_000);

afterAll(async () => {
  for (const consumer of consumers.values()) await consumer.stop().catch(() => undefined);
  await registry?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const publish = async (document: Record<string, unknown>): Promise<number> => {
  const answer = await call(registry.base, 'POST', '/v1/configs/notifications/versions', {
    document,
  });
  expect(answer.status).toBe(201);
  return answer.body.version;
};
const startRollout = async (version: number) => {
  const answer = await call(registry.base, 'POST', '/v1/configs/notifications/rollouts', {
    version,
  });
  expect(answer.status).toBe(202);
  return answer.body.id as string;
};
const settled = (id: string) =>
  until(
    () => call(registry.base, 'GET', `/v1/rollouts/${id}`).then((answer) => answer.body),
    (status) => status.state !== 'running',
    60_000,
  );
const running = (id: string) =>
  call(consumers.get(id)!.base, 'GET', '/config').then((answer) => answer.body);

it('says it runs the embedded transport, and serves the feed its consumers follow', async () => {
  const health = await call(registry.base, 'GET', '/health');
  expect(health.body.configs.transport).toBe('embedded');
  const feed = await call(registry.base, 'GET', '/v1/config-transport');
  expect(feed.status).toBe(200);
  expect(feed.body.lastSeq).toBeGreaterThan(0);
});

it('the janitor toggle is published, validated, acknowledged and promoted through every stage', async () => {
  const version = await publish({ janitor: { enabled: false } });
  const id = await startRollout(version);
  const done = await settled(id);
  expect(done).toMatchObject({ state: 'completed', stageCount: 3, mixed: false, cause: null });
  expect(done.versions).toEqual({ [version]: 3 });
  for (const consumerId of IDS) {
    expect(await running(consumerId)).toMatchObject({
      version,
      value: { janitor: { enabled: false } },
    });
  }
}, 90_000);

it('a bad update is refused by the first stage and reverted; later stages never see it', async () => {
  const before: number[] = [];
  for (const consumerId of IDS) before.push((await running(consumerId)).version);
  // Valid for the registry (a reference), refused at apply: the secret does not resolve.
  const version = await publish({ smtp: { password: `\${secret:vault-missing#password}` } });
  const done = await settled(await startRollout(version));
  expect(done.state).toBe('reverted');
  expect(done.cause).toMatch(new RegExp(`^i-1 refused v${version}: .*/smtp/password`));
  expect(done.instances.map((i: any) => [i.instance, i.sent])).toEqual([
    ['i-1', true],
    ['i-2', false],
    ['i-3', false],
  ]);
  const after: number[] = [];
  for (const consumerId of IDS) after.push((await running(consumerId)).version);
  expect(after).toEqual(before);
}, 90_000);
