import { fileURLToPath } from 'node:url';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type Ack,
  CONFIG_RESTART_EXIT_CODE,
  type ConfigTransport,
  NatsConfigTransport,
  PostgresConfigTransport,
  type Presence,
} from '../src/index.js';
import { applyMessage, Received, uniqueConfig } from './fixtures/config-messages.js';
import {
  freshNatsNamespace,
  freshPostgresDatabase,
  SHARED_NATS_URL,
  sharedNats,
  sharedPostgres,
} from './fixtures/transport-servers.js';

/**
 * The fixture consumer service (fixtures/consumer-service.ts) as a real process, driven by the
 * registry side of each transport: a valid version is applied and acknowledged and shows in
 * GET /config and /health; an invalid one is refused naming the path while the process keeps its
 * version; a restart-key change is acknowledged `restarting`, the process drains through the
 * kit's shutdown sequence and exits with CONFIG_RESTART_EXIT_CODE, and started again it runs
 * that version and acknowledges it `applied`. With FAIL_APPLY=1 the apply hook throws: refused,
 * the old version kept.
 */
const SERVICE = fileURLToPath(new URL('./fixtures/consumer-service.ts', import.meta.url));
const CONFIG = 'notifications';

interface Scope {
  env: Record<string, string>;
  open(): Promise<ConfigTransport>;
}

const nats = freshNatsNamespace();
let postgres: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
afterAll(async () => {
  if (sharedNats.available) await nats.remove();
  await postgres?.remove();
});

const transports = [
  {
    kind: 'nats',
    available: sharedNats.available,
    scope: async (): Promise<Scope> => ({
      env: { NATS_URL: SHARED_NATS_URL, BULWARK_CONFIG_NATS_NAMESPACE: nats.namespace },
      open: () =>
        NatsConfigTransport.connect({
          servers: SHARED_NATS_URL,
          namespace: nats.namespace,
          registryName: uniqueConfig('reg'),
        }),
    }),
  },
  {
    kind: 'postgres',
    available: sharedPostgres.available,
    scope: async (): Promise<Scope> => {
      postgres ??= await freshPostgresDatabase();
      const url = postgres.url;
      return {
        env: { CONFIG_TRANSPORT_URL: url },
        open: () => PostgresConfigTransport.connect({ url }),
      };
    },
  },
] as const;

const running: SpawnedProcess[] = [];
const opened: ConfigTransport[] = [];
afterEach(async () => {
  for (const process of running.splice(0)) {
    process.kill('SIGKILL');
    await process.exited;
  }
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function startService(scope: Scope, instance: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const process = spawnTs(SERVICE, {
    ...scope.env,
    PORT: String(port),
    CONFIG_INSTANCE: instance,
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '100',
    ...extra,
  });
  running.push(process);
  await process.waitForLine((line) => line.includes('ready on http://'), 60_000);
  const base = `http://127.0.0.1:${port}`;
  return {
    process,
    base,
    get: async (path: string): Promise<any> => (await fetch(`${base}${path}`)).json(),
  };
}

/** The registry side: the acks and presence of one instance, from a fresh registry identity. */
async function registryFor(scope: Scope, instance: string) {
  const registry = await scope.open();
  opened.push(registry);
  const acks = new Received<Ack>();
  const presences = new Received<Presence>();
  await registry.onAck((ack) => {
    if (ack.config === CONFIG && ack.instance === instance) acks.push(ack);
  });
  await registry.onPresence((presence) => {
    if (presence.config === CONFIG && presence.instance === instance) presences.push(presence);
  });
  return { registry, acks, presences };
}

describe.each(transports)(
  'the consumer service over $kind',
  ({ kind, available, scope: makeScope }) => {
    it.skipIf(!available)(
      'applies a valid version, refuses an invalid one keeping its own, and restarts for a restart key',
      async () => {
        const scope = await makeScope();
        const instance = `svc-${kind}-${uniqueConfig('i')}`;
        const { registry, acks, presences } = await registryFor(scope, instance);
        // A version before this instance existed, for others: it must not take it.
        await registry.publishApply(applyMessage(CONFIG, 1, { instances: ['someone-else'] }));
        const service = await startService(scope, instance);
        const [hello] = await presences.until((items) => items.length >= 1);
        expect(hello).toMatchObject({ version: 0, healthUrl: `${service.base}/health` });
        expect((await service.get('/config')).version).toBe(0);

        await registry.publishApply(
          applyMessage(CONFIG, 2, {
            instances: [instance],
            document: { janitor: { enabled: false } },
          }),
        );
        await acks.until((items) => items.length >= 1);
        expect(acks.items[0]).toMatchObject({ version: 2, result: 'applied' });
        expect(await service.get('/config')).toMatchObject({
          version: 2,
          value: { janitor: { enabled: false, intervalSeconds: 300 } },
        });
        const health = await service.get('/health');
        expect(health.config).toMatchObject({ status: 'pass', notifications: { version: 2 } });

        await registry.publishApply(
          applyMessage(CONFIG, 3, {
            instances: [instance],
            document: { janitor: { intervalSeconds: 1 } },
          }),
        );
        await acks.until((items) => items.length >= 2);
        expect(acks.items[1]).toMatchObject({ version: 3, result: 'refused' });
        expect(acks.items[1]?.reason).toContain('/janitor/intervalSeconds');
        expect((await service.get('/config')).version).toBe(2);
        expect(service.process.child.exitCode).toBeNull();

        await registry.publishApply(
          applyMessage(CONFIG, 4, {
            instances: [instance],
            document: { delivery: { workers: 9 } },
          }),
        );
        await acks.until((items) => items.length >= 3);
        expect(acks.items[2]).toMatchObject({ version: 4, result: 'restarting' });
        expect(await service.process.exited).toBe(CONFIG_RESTART_EXIT_CODE);
        // Through the kit's shutdown sequence, not a bare exit.
        const log = service.process.lines.join('\n');
        expect(log).toContain('needs a restart');
        expect(log).toContain('"phase":"drain-requests"');
        expect(log).toContain('shutdown complete');

        // The supervisor's part: start it again. It takes version 4 at start and says so.
        const again = await startService(scope, instance);
        await acks.until((items) => items.length >= 4);
        expect(acks.items[3]).toMatchObject({
          rolloutId: `r-${CONFIG}-4`,
          version: 4,
          result: 'applied',
        });
        expect(await again.get('/config')).toMatchObject({
          version: 4,
          value: { delivery: { workers: 9 } },
        });
        await presences.until((items) => items.some((p) => p.version === 4));
      },
    );

    it.skipIf(!available)(
      'refuses a version whose apply fails (FAIL_APPLY=1) and keeps its own',
      async () => {
        const scope = await makeScope();
        const instance = `fail-${kind}-${uniqueConfig('i')}`;
        const { registry, acks } = await registryFor(scope, instance);
        const service = await startService(scope, instance, { FAIL_APPLY: '1' });
        await registry.publishApply(
          applyMessage(CONFIG, 5, {
            instances: [instance],
            document: { janitor: { enabled: false } },
          }),
        );
        const [ack] = await acks.until((items) => items.length >= 1);
        expect(ack).toMatchObject({ version: 5, result: 'refused' });
        expect(ack?.reason).toBe('apply failed: FAIL_APPLY=1: version 5 not applied');
        expect(await service.get('/config')).toMatchObject({
          version: 0,
          value: { janitor: { enabled: true } },
        });
        const metrics = await (await fetch(`${service.base}/metrics`)).text();
        expect(metrics).toContain(
          'config_update_apply_total{config="notifications",result="refused"} 1',
        );
        expect(metrics).toContain(
          `config_version{config="notifications",instance="${instance}"} 0`,
        );
      },
    );
  },
);
