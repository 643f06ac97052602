import { type ConfigTransport, configTransportFromEnv, RegistryStore } from '@bulwark/config';
import { openDatabase } from '@bulwark/db';
import { OPENAPI_OUT_VARIABLE, type Service } from '@bulwark/kit';
import { buildConfigRegistry, type ConfigRegistryOptions } from './app.js';
import { configRegistryConfigFromEnv } from './config.js';

/** The durable consumer names the registry reads acks and presence with on NATS. */
export const REGISTRY_NAME = 'config-registry';

/**
 * Builds the registry from the environment: its database (PostgreSQL, or PGlite by default),
 * migrated under the migrator's lock; the transport NATS_URL or a postgres:// URL names (none:
 * it starts, and refuses rollouts); the ledger when BULWARK_LEDGER_URL is set. A transport that
 * is named but cannot be reached fails the start, in one line.
 */
export async function openConfigRegistry(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Omit<ConfigRegistryOptions, 'db'>> = {},
): Promise<Service> {
  const config = configRegistryConfigFromEnv(env);
  // A document dump (bulwark contract snapshot) needs the routes, not the data nor the broker.
  const dump = Boolean(env[OPENAPI_OUT_VARIABLE]);
  const db = await openDatabase({
    url: dump ? 'memory://' : config.databaseUrl,
    name: 'config-registry',
  });
  let transport: ConfigTransport | undefined;
  // The service's logger exists once it is built; until then, reports go to process warnings.
  let report: (error: unknown, context: string) => void = (error, context) =>
    process.emitWarning(`${context}: ${(error as Error)?.message ?? error}`);
  try {
    await RegistryStore.migrate(db);
    if (!dump && config.transport !== 'none' && !('transport' in overrides)) {
      transport = await configTransportFromEnv(env, {
        registryName: REGISTRY_NAME,
        onError: (error, context) => report(error, context),
        ...(config.transportUrl === undefined ? {} : { fallbackPostgresUrl: config.transportUrl }),
      });
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
      ...overrides,
    });
    report = (error, context) => service.logger.warn({ err: error }, context);
    return service;
  } catch (error) {
    await transport?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}
