import {
  type ConfigTransport,
  configTransportFromEnv,
  EmbeddedConfigTransport,
  EmbeddedMessageLog,
  RegistryStore,
  registerConfigFeedRoutes,
} from '@bulwark/config';
import { type Database, openDatabase } from '@bulwark/db';
import { OPENAPI_OUT_VARIABLE, type Service } from '@bulwark/kit';
import { buildConfigRegistry, type ConfigRegistryOptions } from './app.js';
import { type ConfigRegistryConfig, configRegistryConfigFromEnv } from './config.js';

/** The durable consumer names the registry reads acks and presence with on NATS. */
export const REGISTRY_NAME = 'config-registry';

/** What a caller may set in place of what the environment says. */
export type OpenConfigRegistryOptions = Partial<Omit<ConfigRegistryOptions, 'db'>> & {
  /**
   * Wraps the transport the environment names before the registry uses it (a benchmark times
   * its messages this way). Not called when `transport` is given.
   */
  wrapTransport?: (transport: ConfigTransport) => ConfigTransport;
};

type ErrorReport = (error: unknown, context: string) => void;

/**
 * Builds the registry from the environment: its database (PostgreSQL, or PGlite by default),
 * migrated under the migrator's lock; the transport (NATS_URL: NATS JetStream; a postgres://
 * CONFIG_TRANSPORT_URL or DATABASE_URL: LISTEN/NOTIFY; else embedded: a log in its own database
 * that consumers in other processes follow over its HTTP routes, which it mounts); the ledger
 * when BULWARK_LEDGER_URL is set. A transport that is named but cannot be reached fails the
 * start, in one line. `transport` in `overrides` (even undefined: none) replaces all of that.
 */
export async function openConfigRegistry(
  env: NodeJS.ProcessEnv = process.env,
  overrides: OpenConfigRegistryOptions = {},
): Promise<Service> {
  const { wrapTransport, ...options } = overrides;
  const config = configRegistryConfigFromEnv(env);
  // A document dump (bulwark contract snapshot) needs the routes, not the data nor the broker.
  const dump = Boolean(env[OPENAPI_OUT_VARIABLE]);
  const db = await openDatabase({
    url: dump ? 'memory://' : config.databaseUrl,
    name: 'config-registry',
  });
  let transport: ConfigTransport | undefined;
  // The service's logger exists once it is built; until then, reports go to process warnings.
  let report: ErrorReport = (error, context) =>
    process.emitWarning(`${context}: ${(error as Error)?.message ?? error}`);
  const reportLater: ErrorReport = (error, context) => report(error, context);
  try {
    await RegistryStore.migrate(db);
    let feedLog: EmbeddedMessageLog | undefined;
    if (!('transport' in options)) {
      const opened = await transportOf(config, env, db, dump, reportLater);
      feedLog = opened.feedLog;
      transport = opened.transport;
      if (transport !== undefined && wrapTransport !== undefined) {
        transport = wrapTransport(transport);
      }
    }
    const service = buildConfigRegistry({
      db,
      transport,
      ledgerUrl: config.ledgerUrl,
      rollout: {
        bakeMs: config.bakeMs,
        ackTimeoutMs: config.ackTimeoutMs,
        healthIntervalMs: config.healthIntervalMs,
      },
      env,
      ...options,
    });
    // Mounted before the service listens (or dumps its OpenAPI document): the consumers' side.
    if (feedLog !== undefined) registerConfigFeedRoutes(service, feedLog);
    report = (error, context) => service.logger.warn({ err: error }, context);
    return service;
  } catch (error) {
    await transport?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The transport the configuration names. Embedded: a log in the registry's own database (the
 * routes that serve it are mounted by the caller). A document dump connects to no broker.
 */
async function transportOf(
  config: ConfigRegistryConfig,
  env: NodeJS.ProcessEnv,
  db: Database,
  dump: boolean,
  onError: ErrorReport,
): Promise<{ transport?: ConfigTransport; feedLog?: EmbeddedMessageLog }> {
  if (config.transport === 'embedded') {
    const feedLog = await EmbeddedMessageLog.open(db);
    return { transport: new EmbeddedConfigTransport(feedLog, { onError }), feedLog };
  }
  if (dump) return {};
  const transport = await configTransportFromEnv(env, {
    registryName: REGISTRY_NAME,
    onError,
    ...(config.transportUrl === undefined ? {} : { fallbackPostgresUrl: config.transportUrl }),
  });
  return { transport };
}
