import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freshNatsNamespace,
  freshPostgresDatabase,
  SHARED_NATS_URL,
  sharedNats,
  sharedPostgres,
} from '../../../packages/config/test/fixtures/transport-servers.js';
import { until } from './fixtures/consumers.js';
import {
  call,
  type RunningProcess,
  startConsumerProcess,
  startRegistryProcess,
} from './fixtures/processes.js';

/**
 * The acceptance scenarios, end to end: the registry's main.ts and three consumer services
 * (@bulwark/config's fixture: a kit service running a ConfigConsumer of `notifications`) as
 * separate processes, over NATS JetStream and over PostgreSQL LISTEN/NOTIFY. The scenarios run
 * in order on one fleet, each starting from where the one before left it.
 */
interface Setup {
  /** The transport's environment, the same for the registry and its consumers. */
  env: Record<string, string>;
  /** The registry's own database. */
  registryEnv: Record<string, string>;
  cleanup: () => Promise<void>;
}

const TRANSPORTS = [
  {
    name: 'NATS JetStream',
    available: sharedNats.available,
    async setup(): Promise<Setup> {
      const nats = freshNatsNamespace();
      const dir = mkdtempSync(join(tmpdir(), 'config-registry-e2e-'));
      return {
        env: {
          NATS_URL: SHARED_NATS_URL,
          BULWARK_CONFIG_NATS_NAMESPACE: nats.namespace,
          CONFIG_TRANSPORT_URL: '',
        },
        // PGlite in a directory: a registry killed with SIGKILL leaves its lock to the next one.
        registryEnv: { DATABASE_URL: '', BULWARK_CONFIG_REGISTRY_DATA_DIR: dir },
        async cleanup() {
          await nats.remove();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL LISTEN/NOTIFY',
    available: sharedPostgres.available,
    async setup(): Promise<Setup> {
      const database = await freshPostgresDatabase();
      return {
        env: { NATS_URL: '', CONFIG_TRANSPORT_URL: database.url },
        // The registry keeps its state in the same database the transport uses.
        registryEnv: { DATABASE_URL: database.url },
        cleanup: () => database.remove(),
      };
    },
  },
];

const ROLLOUT_SETTINGS = {
  BULWARK_CONFIG_ACK_TIMEOUT_MS: '4000',
  BULWARK_CONFIG_BAKE_MS: '500',
  BULWARK_CONFIG_HEALTH_INTERVAL_MS: '100',
};

describe.each(TRANSPORTS)('over $name', ({ available, setup }) => {
  let context: Setup;
  let registry: Awaited<ReturnType<typeof startRegistryProcess>>;
  const consumers = new Map<string, RunningProcess>();

  beforeAll(async () => {
    if (!available) return;
    context = await setup();
    registry = await startRegistryProcess({
      ...context.env,
      ...context.registryEnv,
      ...ROLLOUT_SETTINGS,
    });
    for (const id of ['i-1', 'i-2', 'i-3']) {
      consumers.set(id, await startConsumerProcess(id, context.env));
    }
    await until(
      () => call(registry.base, 'GET', '/v1/configs/notifications/instances'),
      (answer) => answer.body?.instances?.length === 3,
    );
  }, 180_000);

  afterAll(async () => {
    for (const consumer of consumers.values()) await consumer.stop().catch(() => undefined);
    await registry?.stop().catch(() => undefined);
    await context?.cleanup();
  }, 60_000);

  const publish = async (document: Record<string, unknown>): Promise<number> => {
    const answer = await call(registry.base, 'POST', '/v1/configs/notifications/versions', {
      document,
    });
    expect(answer.status).toBe(201);
    return answer.body.version;
  };
  const startRollout = async (version: number, extra: Record<string, unknown> = {}) => {
    const answer = await call(registry.base, 'POST', '/v1/configs/notifications/rollouts', {
      version,
      ...extra,
    });
    expect(answer.status).toBe(202);
    return answer.body.id as string;
  };
  const status = (id: string) =>
    call(registry.base, 'GET', `/v1/rollouts/${id}`).then((answer) => answer.body);
  const statusUntil = (id: string, accept: (s: any) => boolean, timeoutMs = 30_000) =>
    until(() => status(id), accept, timeoutMs);
  const running = (id: string) =>
    call(consumers.get(id)!.base, 'GET', '/config').then((answer) => answer.body);
  const versions = async () => {
    const out: number[] = [];
    for (const id of ['i-1', 'i-2', 'i-3']) out.push((await running(id)).version);
    return out;
  };

  it.skipIf(!available)(
    'the janitor toggle is published, validated, acknowledged and promoted through every stage',
    async () => {
      const version = await publish({ janitor: { enabled: false } });
      const id = await startRollout(version, { reason: 'the agent platform plan: janitor off' });
      const done = await statusUntil(id, (s) => s.state !== 'running');
      expect(done).toMatchObject({ state: 'completed', stageCount: 3, mixed: false, cause: null });
      expect(done.versions).toEqual({ [version]: 3 });
      for (const consumerId of ['i-1', 'i-2', 'i-3']) {
        expect(await running(consumerId)).toMatchObject({
          version,
          value: { janitor: { enabled: false } },
        });
      }
    },
    60_000,
  );

  it.skipIf(!available)(
    'a bad update is refused by the first stage and reverted; later stages never see it',
    async () => {
      const before = await versions();
      // Valid for the registry (a reference), refused at apply: the secret does not resolve.
      const version = await publish({ smtp: { password: `\${secret:vault-missing#password}` } });
      const id = await startRollout(version);
      const done = await statusUntil(id, (s) => s.state === 'reverted');
      expect(done.cause).toMatch(new RegExp(`^i-1 refused v${version}: .*/smtp/password`));
      expect(done.instances.map((i: any) => [i.instance, i.sent, i.ack?.result ?? null])).toEqual([
        ['i-1', true, 'refused'],
        ['i-2', false, null],
        ['i-3', false, null],
      ]);
      expect(done).toMatchObject({ mixed: false, unconfirmed: [] });
      expect(await versions()).toEqual(before);
    },
    60_000,
  );

  it.skipIf(!available)(
    'a consumer killed mid-rollout blocks promotion until the timeout; the rollout reverts',
    async () => {
      const before = await versions();
      const version = await publish({ janitor: { intervalSeconds: 120 } });
      const id = await startRollout(version, { bakeMs: 1_500 });
      // Stage 1 (i-1) applied and baking: i-2, the next stage, dies.
      await statusUntil(id, (s) => s.stage === 0 && s.phase === 'bake');
      await consumers.get('i-2')!.kill();
      const stuck = await statusUntil(id, (s) => s.stage === 1);
      expect(stuck).toMatchObject({ state: 'running', phase: 'acks' });
      const done = await statusUntil(id, (s) => s.state === 'reverted');
      expect(done.cause).toBe(`i-2 did not acknowledge v${version} within 4000 ms`);
      // i-1 went back; i-3 never got it; the dead i-2 did not confirm the revert.
      expect(await running('i-1')).toMatchObject({ version: before[0] });
      expect(await running('i-3')).toMatchObject({ version: before[2] });
      expect(done.unconfirmed).toEqual(['i-2']);
      expect(done.instances.find((i: any) => i.instance === 'i-3')).toMatchObject({
        sent: false,
        ack: null,
      });

      // Started again, i-2 takes the latest message (the revert) and confirms it late.
      consumers.set('i-2', await startConsumerProcess('i-2', context.env));
      const confirmed = await statusUntil(id, (s) => s.unconfirmed.length === 0);
      expect(confirmed).toMatchObject({ state: 'reverted', mixed: false });
      expect(await versions()).toEqual(before);
    },
    90_000,
  );

  it.skipIf(!available)(
    'a registry killed mid-rollout resumes from its stored state and completes',
    async () => {
      const version = await publish({ janitor: { retentionDays: 14 } });
      // A bake long enough for the registry to be killed and started again within it.
      const id = await startRollout(version, { bakeMs: 10_000 });
      await statusUntil(id, (s) => s.stage === 1 && s.phase === 'bake');
      await registry.kill();
      await registry.restart();
      const done = await statusUntil(id, (s) => s.state !== 'running', 60_000);
      expect(done).toMatchObject({ state: 'completed', mixed: false, cause: null });
      expect(await versions()).toEqual([version, version, version]);
    },
    120_000,
  );

  it.skipIf(!available)(
    'a registry down past a bake reverts from its stored state, and status says where each instance is',
    async () => {
      const before = await versions();
      const version = await publish({ janitor: { retentionDays: 21 } });
      const id = await startRollout(version, { bakeMs: 1_000 });
      await statusUntil(id, (s) => s.stage === 0 && s.phase === 'bake');
      await registry.kill();
      // Down for longer than the bake had left.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await registry.restart();
      const done = await statusUntil(id, (s) => s.state === 'reverted', 60_000);
      expect(done.cause).toBe(
        "the registry was down past the end of stage 1's bake and could not watch its health",
      );
      expect(done).toMatchObject({ mixed: false, unconfirmed: [] });
      expect(done.versions).toEqual({ [before[0]!]: 3 });
      expect(await versions()).toEqual(before);
    },
    120_000,
  );
});
