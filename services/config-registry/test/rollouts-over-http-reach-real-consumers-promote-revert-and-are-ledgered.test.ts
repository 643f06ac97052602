import { type ConfigTransport, NatsConfigTransport } from '@bulwark/config';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  freshNatsNamespace,
  SHARED_NATS_URL,
  sharedNats,
} from '../../../packages/config/test/fixtures/transport-servers.js';
import { startConsumers, type TestConsumer, until } from './fixtures/consumers.js';
import { startRealLedger } from './fixtures/real-ledger.js';
import { type Registry, startRegistry } from './fixtures/registry.js';

/**
 * The registry over HTTP, on the machine's NATS (a namespace of this file's own), rolling out to
 * three real ConfigConsumers in this process, and recording in the real ledger service.
 */
const nats = freshNatsNamespace();
let registry: Registry;
let ledger: Awaited<ReturnType<typeof startRealLedger>>;
let consumerSide: ConfigTransport;
let consumers: TestConsumer[];

beforeAll(async () => {
  if (!sharedNats.available) return;
  ledger = await startRealLedger();
  registry = await startRegistry({
    NATS_URL: SHARED_NATS_URL,
    BULWARK_CONFIG_NATS_NAMESPACE: nats.namespace,
    BULWARK_LEDGER_URL: ledger.url,
    BULWARK_CONFIG_BAKE_MS: '300',
    BULWARK_CONFIG_ACK_TIMEOUT_MS: '4000',
    BULWARK_CONFIG_HEALTH_INTERVAL_MS: '100',
  });
  consumerSide = await NatsConfigTransport.connect({
    servers: SHARED_NATS_URL,
    namespace: nats.namespace,
  });
  consumers = await startConsumers(consumerSide, ['i-1', 'i-2', 'i-3']);
  await until(
    () => registry.call('GET', '/v1/configs/notifications/instances'),
    (answer) => answer.body.instances.length === 3,
  );
});
afterAll(async () => {
  for (const consumer of consumers ?? []) await consumer.stop();
  await consumerSide?.close();
  await registry?.close();
  await ledger?.close();
  if (sharedNats.available) await nats.remove();
});

const publish = async (document: Record<string, unknown>) => {
  const answer = await registry.call('POST', '/v1/configs/notifications/versions', { document });
  expect(answer.status).toBe(201);
  return answer.body.version as number;
};
const rollout = (version: number, extra: Record<string, unknown> = {}) =>
  registry.call('POST', '/v1/configs/notifications/rollouts', { version, ...extra });
const settled = (id: string) =>
  until(
    () => registry.call('GET', `/v1/rollouts/${id}`),
    (answer) => answer.body.state === 'completed' || answer.body.state === 'reverted',
  ).then((answer) => answer.body);

it.skipIf(!sharedNats.available)(
  'promotes the janitor toggle through every stage to every consumer',
  async () => {
    const version = await publish({ janitor: { enabled: false } });
    const started = await rollout(version, { reason: 'the janitor toggle' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'running', stage: 0, stageCount: 3, toVersion: 1 });

    const done = await settled(started.body.id);
    expect(done).toMatchObject({
      state: 'completed',
      mixed: false,
      versions: { 1: 3 },
      cause: null,
    });
    expect(done.instances.map((i: { health?: { detail: string } }) => i.health?.detail)).toEqual([
      'HTTP 200',
      'HTTP 200',
      'HTTP 200',
    ]);
    for (const consumer of consumers) {
      expect(consumer.consumer.current()).toMatchObject({
        version: 1,
        value: { janitor: { enabled: false } },
      });
    }
    const instances = await registry.call('GET', '/v1/configs/notifications/instances');
    expect(instances.body).toMatchObject({ mixed: false, versions: { 1: 3 } });

    const metrics = (await registry.call('GET', '/metrics')).text;
    expect(metrics).toMatch(/config_rollout_state\{config="notifications",state="completed"\} 1/);
    expect(metrics).toMatch(/config_rollout_stage\{config="notifications"\} 3/);
    expect(metrics).toMatch(/config_instance_version\{config="notifications",instance="i-2"\} 1/);
  },
);

it.skipIf(!sharedNats.available)(
  'reverts an update the first stage refuses; later stages never see it',
  async () => {
    const version = await publish({ smtp: { password: `\${secret:vault-missing#password}` } });
    const started = await rollout(version);
    expect(started.status).toBe(202);

    const done = await settled(started.body.id);
    expect(done.state).toBe('reverted');
    expect(done.cause).toMatch(/^i-1 refused v2: .*\/smtp\/password/);
    expect(
      done.instances.map((i: { ack: unknown; sent: boolean }) => [i.sent, i.ack === null]),
    ).toEqual([
      [true, false],
      [false, true],
      [false, true],
    ]);
    expect(done).toMatchObject({ mixed: false, versions: { 1: 3 }, unconfirmed: [] });
    for (const consumer of consumers) {
      expect(consumer.consumer.version).toBe(1);
      expect(consumer.applied).not.toContain(2);
    }
  },
);

it.skipIf(!sharedNats.available)(
  'reverts when a consumer turns unhealthy during the bake; one rollout at a time',
  async () => {
    const version = await publish({ janitor: { intervalSeconds: 600 } });
    const started = await rollout(version, { bakeMs: 2_000, stages: [{ share: 1 }] });
    await until(
      () => registry.call('GET', `/v1/rollouts/${started.body.id}`),
      (answer) => answer.body.phase === 'bake',
    );
    // One rollout per config at a time.
    const second = await rollout(version);
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('CONFIG_ROLLOUT_CONFLICT');
    expect(second.body.detail).toContain(started.body.id);
    consumers[2]!.healthy = false;
    const done = await settled(started.body.id);
    consumers[2]!.healthy = true;
    expect(done.cause).toBe(`i-3 health regressed during the bake of stage 1: HTTP 503`);
    expect(done.versions).toEqual({ 1: 3 });
    expect(consumers.map((c) => c.consumer.version)).toEqual([1, 1, 1]);
  },
);

it.skipIf(!sharedNats.available)(
  'refuses a rollout of the version the instances run, and reverts to an earlier one as a rollout',
  async () => {
    const same = await rollout(1);
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('CONFIG_ROLLOUT_INVALID');

    const version = await publish({ janitor: { retentionDays: 7 } });
    const forward = await settled((await rollout(version, { bakeMs: 0 })).body.id);
    expect(forward.state).toBe('completed');
    const notEarlier = await registry.call('POST', '/v1/configs/notifications/revert', { version });
    expect(notEarlier.status).toBe(409);
    expect(notEarlier.body.code).toBe('CONFIG_ROLLOUT_INVALID');
    const back = await registry.call('POST', '/v1/configs/notifications/revert', {
      version: 1,
      bakeMs: 0,
      reason: 'retention too short',
    });
    expect(back.status).toBe(202);
    const done = await settled(back.body.id);
    expect(done).toMatchObject({
      kind: 'revert',
      state: 'completed',
      fromVersion: version,
      toVersion: 1,
    });
    expect(consumers.map((c) => c.consumer.current().version)).toEqual([1, 1, 1]);

    const list = await registry.call('GET', '/v1/configs/notifications/rollouts?limit=2');
    expect(
      list.body.rollouts.map((r: { kind: string; toVersion: number }) => [r.kind, r.toVersion]),
    ).toEqual([
      ['revert', 1],
      ['rollout', version],
    ]);
    const config = await registry.call('GET', '/v1/configs/notifications');
    expect(config.body).toMatchObject({ latestVersion: version, currentVersion: 1, instances: 3 });
  },
);

it.skipIf(!sharedNats.available)(
  'records every publish, rollout, acknowledgement, promotion and revert in the ledger',
  async () => {
    const entries = await until(
      () => ledger.entries('config-registry'),
      (all) => all.filter((e) => e.kind === 'config.rollout.complete').length === 3,
    );
    const count = (kind: string) => entries.filter((e) => e.kind === kind).length;
    expect(count('config.publish')).toBe(4);
    expect(count('config.rollout.start')).toBe(5);
    expect(count('config.rollout.revert')).toBe(2);
    expect(count('config.rollout.reverted')).toBe(2);
    expect(count('config.ack')).toBeGreaterThanOrEqual(3 * 3);
    expect(count('config.rollout.promote')).toBeGreaterThanOrEqual(3);
    expect(entries.find((e) => e.kind === 'config.publish')).toMatchObject({
      actor: 'anonymous',
      payload: { config: 'notifications', version: 1 },
    });
    const refusal = entries.find((e) => e.kind === 'config.ack' && e.payload.result === 'refused');
    expect(refusal).toMatchObject({ actor: 'i-1', payload: { version: 2 } });
    // Documents travel to the ledger as digests; a secret's value never does.
    expect(JSON.stringify(entries)).not.toContain('from-the-secret-store');
    expect(entries.every((e) => !('document' in e.payload))).toBe(true);
  },
);

it.skipIf(!sharedNats.available)('fails a publish closed when the ledger is down', async () => {
  const closed = await startRealLedger();
  const url = closed.url;
  await closed.close();
  const offline = await startRegistry({ BULWARK_LEDGER_URL: url });
  try {
    const answer = await offline.call('POST', '/v1/configs/notifications/versions', {
      document: { janitor: { enabled: false } },
    });
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('BW_DEPENDENCY_UNAVAILABLE');
    const history = await offline.call('GET', '/v1/configs/notifications/versions');
    expect(history.body.versions).toEqual([]);
  } finally {
    await offline.close();
  }
});
