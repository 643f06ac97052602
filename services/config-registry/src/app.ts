import {
  builtInConfigSchemas,
  type Clock,
  type ConfigSchemas,
  type ConfigTransport,
  type HealthCheck,
  RegistryStore,
  RolloutEngine,
  type RolloutSettings,
  systemClock,
} from '@bulwark/config';
import { type Database, registerPoolMetrics } from '@bulwark/db';
import {
  createService,
  dependencyProbe,
  httpProbe,
  type Service,
  type ServiceOptions,
} from '@bulwark/kit';
import type { TransportChoice } from './config.js';
import { LedgerOutbox } from './ledger-outbox.js';
import { LedgerRecorder, noRecorder, type RegistryRecorder } from './ledger-recorder.js';
import { RegistryMetrics } from './metrics.js';
import { RegistryMonitor } from './monitor.js';
import { registerConfigRoutes } from './routes/configs.js';
import type { RouteDeps } from './routes/deps.js';
import { registerInstanceRoutes } from './routes/instances.js';
import { registerRolloutRoutes } from './routes/rollouts.js';
import { registerVersionRoutes } from './routes/versions.js';

export const CONFIG_REGISTRY_VERSION = '0.1.0';

export interface ConfigRegistryOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  /** An opened database, migrated (RegistryStore.migrate); the service closes it on shutdown. */
  db: Database;
  /**
   * How rollouts reach the consumers; the service closes it on shutdown. Without one the
   * registry keeps, validates and diffs versions, and answers rollouts 503 CONFIG_NO_TRANSPORT.
   */
  transport?: ConfigTransport | undefined;
  /** The config schemas it validates against; default the built-in ones. */
  schemas?: ConfigSchemas;
  /** Base URL of the ledger service: every publish, rollout, ack, promotion and revert is recorded. */
  ledgerUrl?: string | undefined;
  /** A rollout's defaults when its request does not say. */
  rollout?: Partial<RolloutSettings>;
  /** How instance health is read during a bake (default GET → 200 within 2 s). */
  health?: HealthCheck;
  clock?: Clock;
}

/** The config registry: versions, history, diffs and staged rollouts, on the kit. */
export function buildConfigRegistry(options: ConfigRegistryOptions): Service {
  const { db, transport, schemas, ledgerUrl, rollout, health, clock, ...rest } = options;
  const service = createService({
    name: 'config-registry',
    version: CONFIG_REGISTRY_VERSION,
    ...rest,
  });
  // Added first, so it closes last: after the engine and the transport are done with it.
  service.resources.add('database', () => db.close());
  if (transport !== undefined) service.resources.add('config-transport', () => transport.close());
  const store = new RegistryStore(db);
  registerPoolMetrics(service.metrics.registry, db);
  service.addReadinessProbe(
    dependencyProbe({ name: `registry-store-${db.kind}` }, () =>
      db.kysely.selectNoFrom((eb) => eb.val(1).as('one')).execute(),
    ),
  );

  const transportChoice = (transport?.kind ?? 'none') as TransportChoice;
  const monitor = new RegistryMonitor(service, store, transportChoice);
  service.addReadinessProbe(monitor.probe());
  const metrics = new RegistryMetrics(service.metrics.registry, monitor);

  let recorder: RegistryRecorder = noRecorder;
  let outbox: LedgerOutbox | undefined;
  if (ledgerUrl) {
    recorder = new LedgerRecorder(service.http, ledgerUrl);
    service.addReadinessProbe(httpProbe(new URL('/ready', ledgerUrl), { name: 'ledger' }));
    const forwarder = new LedgerOutbox(store, recorder, service.logger);
    outbox = forwarder;
    monitor.watchOutbox(forwarder);
    service.onStartup('ledger-outbox', async () => {
      service.tasks.run('ledger-outbox', (signal) => forwarder.run(signal));
    });
  }

  let engine: RolloutEngine | undefined;
  if (transport !== undefined) {
    const started = new RolloutEngine({
      store,
      transport,
      clock: clock ?? systemClock,
      ...(health === undefined ? {} : { health }),
      ...(rollout === undefined ? {} : { defaults: rollout }),
      recordEvents: Boolean(ledgerUrl),
      logger: service.logger,
      onChange: () => {
        monitor.changed();
        outbox?.wake();
      },
    });
    engine = started;
    let running = false;
    service.onStartup('rollout-engine', async () => {
      await started.start();
      running = true;
    });
    // Added after the transport, so it closes first: its feeds stop before the transport closes.
    service.resources.add('rollout-engine', async () => {
      if (running) await started.close();
    });
  } else {
    service.onStartup('no-transport', async () => {
      service.logger.warn(
        {},
        'config-registry runs without a rollout transport: versions are kept and validated, rollouts are refused (set NATS_URL, or a postgres:// DATABASE_URL or CONFIG_TRANSPORT_URL)',
      );
    });
  }

  const deps: RouteDeps = {
    store,
    schemas: schemas ?? builtInConfigSchemas(),
    engine,
    recorder,
    metrics,
    monitor,
    clock: clock ?? systemClock,
  };
  registerConfigRoutes(service, deps);
  registerVersionRoutes(service, deps);
  registerRolloutRoutes(service, deps);
  registerInstanceRoutes(service, deps);
  return service;
}
