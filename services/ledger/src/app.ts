import { createService, postgresProbe, type Service, type ServiceOptions } from '@bulwark/kit';
import type { Ledger } from '@bulwark/ledger';
import { registerLedgerRoutes } from './routes/ledger.js';

export const LEDGER_SERVICE_VERSION = '0.1.0';

export interface LedgerServiceOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  /** An opened ledger; the service closes it on shutdown. */
  ledger: Ledger;
  /** Sign a checkpoint this often when the log has grown (0: only on demand). */
  checkpointIntervalMs?: number;
}

/** The ledger service: the kit's operational contract plus /v1/ledger. */
export function buildLedgerService(options: LedgerServiceOptions): Service {
  const { ledger, checkpointIntervalMs = 0, ...serviceOptions } = options;
  const service = createService({
    name: 'ledger',
    version: LEDGER_SERVICE_VERSION,
    ...serviceOptions,
  });
  service.resources.add('ledger', () => ledger.close());
  service.addReadinessProbe(
    postgresProbe(ledger.driver, { name: `ledger-store-${ledger.driver.kind}` }),
  );
  registerLedgerRoutes(service, ledger);
  // With the tree cache on, load it in the background: proofs asked for meanwhile use the store.
  service.tasks.run('ledger-tree-cache', async () => {
    const started = performance.now();
    await ledger.warmTreeCache();
    service.logger.debug(
      { seconds: (performance.now() - started) / 1000 },
      'ledger tree cache loaded',
    );
  });
  if (checkpointIntervalMs > 0) {
    let lastSize = 0;
    service.tasks.every('ledger-checkpoint', checkpointIntervalMs, async () => {
      if ((await ledger.head()).size <= lastSize) return;
      const checkpoint = await ledger.checkpoint();
      // Signing appends its own audit record; growth by that record alone does not call for
      // another checkpoint (or every interval would sign one). The next real append will.
      const after = (await ledger.head()).size;
      lastSize = after === checkpoint.size + 1 ? after : checkpoint.size;
      service.logger.info(
        { size: checkpoint.size, checkpointId: checkpoint.id },
        'ledger checkpoint signed',
      );
    });
  }
  return service;
}
