import { createService, httpProbe, type Service, type ServiceOptions } from '@bulwark/kit';
import { type AuditTrail, LedgerAuditTrail, noAuditTrail } from './audit.js';
import { MemoryItemStore } from './items.js';
import { registerItemRoutes } from './routes/items.js';

export interface CoreApiOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  /** Base URL of the ledger service; state changes are recorded there. */
  ledgerUrl?: string | undefined;
}

export const CORE_API_VERSION = '0.1.0';

/** The reference API, wired from kit parts only: everything operational comes from the kit. */
export function buildCoreApi(options: CoreApiOptions = {}): Service {
  const { ledgerUrl, ...serviceOptions } = options;
  const service = createService({
    name: 'core-api',
    version: CORE_API_VERSION,
    ...serviceOptions,
  });
  let audit: AuditTrail = noAuditTrail;
  if (ledgerUrl) {
    audit = new LedgerAuditTrail(service.http, ledgerUrl);
    service.addReadinessProbe(httpProbe(new URL('/ready', ledgerUrl), { name: 'ledger' }));
  }
  service.app.get('/v1/info', async () => ({
    service: service.config.name,
    version: service.config.version,
    auditLedger: ledgerUrl ? 'enabled' : 'disabled',
  }));
  registerItemRoutes(service, new MemoryItemStore(), audit);
  return service;
}
