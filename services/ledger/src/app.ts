import { createService, postgresProbe, type Service, type ServiceOptions } from '@bulwark/kit';
import type { Ledger } from '@bulwark/ledger';
import { CheckpointSchedule } from './checkpoint-schedule.js';
import { registerLedgerRoutes } from './routes/ledger.js';
import { UnwitnessedWindowMonitor } from './unwitnessed-window.js';

export const LEDGER_SERVICE_VERSION = '0.1.0';

export interface LedgerServiceOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  /** An opened ledger; the service closes it on shutdown. */
  ledger: Ledger;
  /** Sign a checkpoint this often when the log has grown (0: no clock). */
  checkpointIntervalMs?: number;
  /** Sign at once when this many entries wait unwitnessed (0: off). */
  checkpointAfterEntries?: number;
  /** Sign this long after appends pause (0: off). */
  checkpointQuietMs?: number;
  /** /health warns when the oldest unwitnessed entry is older than this (default 60 s). */
  windowMaxAgeMs?: number;
}

/** The ledger service: the kit's operational contract plus /v1/ledger. */
export function buildLedgerService(options: LedgerServiceOptions): Service {
  const {
    ledger,
    checkpointIntervalMs = 0,
    checkpointAfterEntries = 0,
    checkpointQuietMs = 0,
    windowMaxAgeMs = 60_000,
    ...serviceOptions
  } = options;
  const service = createService({
    name: 'ledger',
    version: LEDGER_SERVICE_VERSION,
    ...serviceOptions,
  });
  service.resources.add('ledger', () => ledger.close());
  service.addReadinessProbe(
    postgresProbe(ledger.driver, { name: `ledger-store-${ledger.driver.kind}` }),
  );
  const scheduleOptions = {
    intervalMs: checkpointIntervalMs,
    afterEntries: checkpointAfterEntries,
    quietMs: checkpointQuietMs,
  };
  const unwitnessed = new UnwitnessedWindowMonitor(
    service,
    ledger,
    scheduleOptions,
    windowMaxAgeMs,
  );
  service.addReadinessProbe(unwitnessed.probe());
  const schedule = new CheckpointSchedule(ledger, scheduleOptions, service.logger, {
    onSigned: () => {
      unwitnessed.measure().catch(() => undefined);
    },
    onFailed: () => unwitnessed.checkpointFailed(),
  });
  registerLedgerRoutes(service, ledger, schedule, unwitnessed);
  // With the tree cache on, load it in the background: proofs asked for meanwhile use the store.
  service.tasks.run('ledger-tree-cache', async () => {
    const started = performance.now();
    await ledger.warmTreeCache();
    service.logger.debug(
      { seconds: (performance.now() - started) / 1000 },
      'ledger tree cache loaded',
    );
  });
  // Without any trigger the schedule only serves POST /v1/ledger/checkpoints.
  if (checkpointIntervalMs > 0 || checkpointAfterEntries > 0 || checkpointQuietMs > 0) {
    service.onStartup('ledger-checkpoint-catch-up', () => schedule.catchUp());
    service.tasks.run('ledger-checkpoint', (signal) => schedule.run(signal));
  }
  return service;
}
