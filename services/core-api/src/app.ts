import { type Database, isPostgresUrl } from '@bulwark/db';
import { ToolGateClient } from '@bulwark/gate';
import {
  createService,
  DependencyUnavailableError,
  httpProbe,
  type Service,
  type ServiceOptions,
} from '@bulwark/kit';
import { Type } from '@sinclair/typebox';
import { type AuditTrail, LedgerAuditTrail, noAuditTrail } from './audit.js';
import { CoreApiDatabase } from './database.js';
import { CoreApiEgressGuard } from './egress.js';
import { registerItemRoutes } from './routes/items.js';
import { registerToolRoutes } from './routes/tools.js';
import { type ItemCacheSettings, wireItems } from './wire-items.js';

export interface CoreApiOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  /** Base URL of the ledger service; state changes are recorded there. */
  ledgerUrl?: string | undefined;
  /**
   * Base URL of the tool gate (services/tool-gate). Tool actions ask it first, and the
   * in-process egress guard follows its mode. Without it tool actions are refused.
   */
  toolGateUrl?: string | undefined;
  /**
   * Where items live: an open Database (the caller closes it), or a URL the service opens on
   * start and closes on shutdown: postgres://…, a PGlite data directory, or `memory://` (the
   * default, for tests; main.ts passes DATABASE_URL or the service's data directory).
   */
  database?: Database | string | undefined;
  /** The read-through item cache; Redis when `redisUrl` is set (default: REDIS_URL). */
  itemCache?: ItemCacheSettings | undefined;
}

export const CORE_API_VERSION = '0.1.0';

/** Each caller's share of each route, and each tenant's share of the whole API. */
const CORE_API_RATE_LIMITS = [
  { name: 'subject', by: ['route', 'subject'], points: 300, windowMs: 10_000 },
  { name: 'org', by: ['org'], points: 3_000, windowMs: 60_000 },
] as const satisfies NonNullable<NonNullable<ServiceOptions['rateLimit']>['rules']>;

/** The reference API, wired from kit parts only: everything operational comes from the kit. */
export function buildCoreApi(options: CoreApiOptions = {}): Service {
  const { ledgerUrl, toolGateUrl, database = 'memory://', itemCache, ...serviceOptions } = options;
  const egress = toolGateUrl ? new CoreApiEgressGuard() : undefined;
  const service = createService({
    name: 'core-api',
    version: CORE_API_VERSION,
    // Used when rate limiting is on (BULWARK_RATE_LIMIT; REDIS_URL shares the buckets).
    rateLimit: { rules: CORE_API_RATE_LIMITS },
    ...serviceOptions,
    ...(egress ? { outboundInterceptors: [egress.interceptor] } : {}),
  });
  let audit: AuditTrail = noAuditTrail;
  if (ledgerUrl) {
    audit = new LedgerAuditTrail(service.http, ledgerUrl);
    service.addReadinessProbe(httpProbe(new URL('/ready', ledgerUrl), { name: 'ledger' }));
  }
  let gate: Pick<ToolGateClient, 'decide'> = {
    decide: async () => {
      throw new DependencyUnavailableError('no tool gate is configured (BULWARK_TOOL_GATE_URL)');
    },
  };
  const db = new CoreApiDatabase(service, database);
  const cacheRedisUrl = itemCache?.redisUrl ?? service.config.rateLimit.redisUrl;
  const items = wireItems(service, db, { ...itemCache, redisUrl: cacheRedisUrl });
  if (toolGateUrl && egress) {
    gate = new ToolGateClient(service.http, toolGateUrl);
    service.addReadinessProbe(httpProbe(new URL('/ready', toolGateUrl), { name: 'tool-gate' }));
    const collector = service.config.tracing.otlpEndpoint;
    const rateLimitRedis = service.config.rateLimit.redisUrl;
    const databaseUrl = typeof database === 'string' ? database : database.displayUrl;
    egress.attach(service, {
      toolGateUrl,
      dependencies: [
        ...(ledgerUrl ? [ledgerUrl] : []),
        ...(collector ? [collector] : []),
        ...(cacheRedisUrl ? [cacheRedisUrl] : []),
        ...(rateLimitRedis ? [rateLimitRedis] : []),
        ...(isPostgresUrl(databaseUrl) ? [databaseUrl] : []),
      ],
      audit,
    });
  }
  const Switch = Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]);
  const Info = Type.Object({
    service: Type.String(),
    version: Type.String(),
    auditLedger: Switch,
    toolGate: Switch,
  });
  const info = { summary: 'What this service is and what it is wired to', tags: ['service'] };
  service.app.get('/v1/info', { schema: { ...info, response: { 200: Info } } }, async () => ({
    service: service.config.name,
    version: service.config.version,
    auditLedger: ledgerUrl ? 'enabled' : 'disabled',
    toolGate: toolGateUrl ? 'enabled' : 'disabled',
  }));
  registerItemRoutes(service, items, audit);
  registerToolRoutes(service, gate, audit, egress);
  return service;
}
