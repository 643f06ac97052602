import { CONFIG_TRANSPORT_ENV } from '@bulwark/config';
import { databaseUrlFromEnv, isPostgresUrl } from '@bulwark/db';
import { ConfigError, envInteger } from '@bulwark/kit';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** How rollout messages reach the consumers, as the environment names it. */
export type TransportFromEnv = 'nats' | 'postgres' | 'embedded';

/** The transport a registry runs with: `none` when it was built without one. */
export type TransportChoice = TransportFromEnv | 'none';

const DAY_MS = 86_400_000;

/** Everything the registry reads from its environment (besides the kit's own), validated once. */
export const ConfigRegistryConfigSchema = Type.Object(
  {
    /**
     * Where versions and rollouts live: DATABASE_URL (a postgres:// URL, a PGlite directory or
     * memory://), else PGlite in BULWARK_CONFIG_REGISTRY_DATA_DIR (default
     * ./.bulwark/state/config-registry).
     */
    databaseUrl: Type.String({ minLength: 1 }),
    /**
     * NATS_URL set: NATS JetStream. Else CONFIG_TRANSPORT_URL, or a postgres:// DATABASE_URL:
     * PostgreSQL LISTEN/NOTIFY. Else (PGlite or memory://) embedded: a log in the registry's own
     * database, served to the consumers over the registry's HTTP routes.
     */
    transport: Type.Union([
      Type.Literal('nats'),
      Type.Literal('postgres'),
      Type.Literal('embedded'),
    ]),
    /** The postgres:// URL of the LISTEN/NOTIFY transport, when that is the transport. */
    transportUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** The ledger service every publish, acknowledgement, promotion and revert is recorded in. */
    ledgerUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** A rollout's defaults, when its request does not say. */
    bakeMs: Type.Integer({ minimum: 0, maximum: DAY_MS }),
    ackTimeoutMs: Type.Integer({ minimum: 1, maximum: DAY_MS }),
    healthIntervalMs: Type.Integer({ minimum: 1, maximum: DAY_MS }),
  },
  { additionalProperties: false },
);

export type ConfigRegistryConfig = Static<typeof ConfigRegistryConfigSchema>;

export function configRegistryConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ConfigRegistryConfig {
  const databaseUrl = databaseUrlFromEnv('config-registry', env);
  const explicit = env[CONFIG_TRANSPORT_ENV.postgres]?.trim();
  let transport: TransportFromEnv = 'embedded';
  let transportUrl: string | undefined;
  if (env[CONFIG_TRANSPORT_ENV.nats]?.trim()) {
    transport = 'nats';
  } else if (explicit) {
    if (!isPostgresUrl(explicit)) {
      throw new ConfigError(
        `${CONFIG_TRANSPORT_ENV.postgres} must be a postgres:// URL (the registry and its consumers share it)`,
      );
    }
    transport = 'postgres';
    transportUrl = explicit;
  } else if (isPostgresUrl(databaseUrl)) {
    transport = 'postgres';
    transportUrl = databaseUrl;
  }
  const config = {
    databaseUrl,
    transport,
    ...(transportUrl === undefined ? {} : { transportUrl }),
    ...(env.BULWARK_LEDGER_URL ? { ledgerUrl: env.BULWARK_LEDGER_URL } : {}),
    bakeMs: envInteger('BULWARK_CONFIG_BAKE_MS', env.BULWARK_CONFIG_BAKE_MS, 30_000),
    ackTimeoutMs: envInteger(
      'BULWARK_CONFIG_ACK_TIMEOUT_MS',
      env.BULWARK_CONFIG_ACK_TIMEOUT_MS,
      30_000,
    ),
    healthIntervalMs: envInteger(
      'BULWARK_CONFIG_HEALTH_INTERVAL_MS',
      env.BULWARK_CONFIG_HEALTH_INTERVAL_MS,
      2_000,
    ),
  };
  const first = Value.Errors(ConfigRegistryConfigSchema, config).First();
  if (first) {
    throw new ConfigError(
      `invalid config-registry configuration: ${first.path || '/'} ${first.message}`,
    );
  }
  return config;
}
