import { databaseUrlFromEnv } from '@bulwark/db';
import { ConfigError, envInteger } from '@bulwark/kit';
import { DEFAULT_COMPRESSION, DEFAULT_GUARD } from '@bulwark/memory';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Everything memu-core reads from its environment (besides the kit's own), validated once. */
export const MemuCoreConfigSchema = Type.Object(
  {
    /**
     * Where the memories live: DATABASE_URL (a postgres:// URL, a PGlite directory or
     * memory://), else PGlite in BULWARK_MEMU_CORE_DATA_DIR (default ./.bulwark/state/memu-core).
     */
    databaseUrl: Type.String({ minLength: 1 }),
    /** The ledger service every write, supersede and forget is recorded in before it applies. */
    ledgerUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** How often the retention job runs on its own (0: only on demand). */
    retentionIntervalMs: Type.Integer({ minimum: 0, maximum: 604_800_000 }),
    /** How often the compression job runs on its own (0: only on demand). */
    compressionIntervalMs: Type.Integer({ minimum: 0, maximum: 604_800_000 }),
    /** A job whose recall@10 after its change falls below this is rolled back. */
    minRecall: Type.Number({ minimum: 0, maximum: 1 }),
    /** Compression merges memories at least this similar (cosine). */
    compressionThreshold: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

export type MemuCoreConfig = Static<typeof MemuCoreConfigSchema>;

export function memuCoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MemuCoreConfig {
  const config = {
    databaseUrl: databaseUrlFromEnv('memu-core', env),
    ...(env.BULWARK_LEDGER_URL ? { ledgerUrl: env.BULWARK_LEDGER_URL } : {}),
    // Hourly by default: both jobs measure recall first, so they are not free on a large store.
    retentionIntervalMs: envInteger(
      'BULWARK_MEMU_RETENTION_INTERVAL_MS',
      env.BULWARK_MEMU_RETENTION_INTERVAL_MS,
      3_600_000,
    ),
    compressionIntervalMs: envInteger(
      'BULWARK_MEMU_COMPRESSION_INTERVAL_MS',
      env.BULWARK_MEMU_COMPRESSION_INTERVAL_MS,
      3_600_000,
    ),
    minRecall: envNumber(
      'BULWARK_MEMU_MIN_RECALL',
      env.BULWARK_MEMU_MIN_RECALL,
      DEFAULT_GUARD.minRecall,
    ),
    compressionThreshold: envNumber(
      'BULWARK_MEMU_COMPRESSION_THRESHOLD',
      env.BULWARK_MEMU_COMPRESSION_THRESHOLD,
      DEFAULT_COMPRESSION.threshold,
    ),
  };
  const first = Value.Errors(MemuCoreConfigSchema, config).First();
  if (first) {
    throw new ConfigError(`invalid memu-core configuration: ${first.path || '/'} ${first.message}`);
  }
  return config;
}

/** A decimal number; range checks belong to the schema. */
function envNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number)) {
    throw new ConfigError(`${name} must be a number, not ${JSON.stringify(value)}`);
  }
  return number;
}
