import { ConfigError, envList, envSwitch } from '@bulwark/kit';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';

/** Everything the ledger service reads from its environment, as one validated object. */
export const LedgerServiceConfigSchema = Type.Object(
  {
    /** PostgreSQL URL (DATABASE_URL); when absent, PGlite in `dataDir`. */
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    dataDir: Type.String({ minLength: 1 }),
    /** The checkpoint origin line and note key name. */
    origin: Type.String({ pattern: '^[^\\s+]+$' }),
    /** Directory witness for signed checkpoints; keep it off the database's disk. */
    witnessDir: Type.String({ minLength: 1 }),
    /** Optional second witness: a PostgreSQL database run by someone other than the ledger's DBA. */
    witnessDatabaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** Name of the @bulwark/keys key that signs checkpoints. */
    signingKey: Type.String({ minLength: 1 }),
    /**
     * Witness services (services/witness) every checkpoint is submitted to, C2SP
     * tlog-witness add-checkpoint; verifiers fetch what they cosigned over HTTP.
     */
    witnessUrls: Type.Array(Type.String({ pattern: '^https?://' })),
    /** The witnesses' cosigner keys (`<name>+<hash>+<key>`): their cosignatures must verify. */
    witnessKeys: Type.Array(Type.String({ minLength: 1 })),
    /** Sign a checkpoint this often when the log has grown; 0 turns periodic checkpoints off. */
    checkpointIntervalMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    /** Sign at once when this many entries wait unwitnessed; 0 turns it off. */
    checkpointAfterEntries: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    /** Sign this long after appends pause; 0 turns it off. */
    checkpointQuietMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    /** /health warns when the oldest unwitnessed entry is older than this. */
    windowMaxAgeMs: Type.Integer({ minimum: 1, maximum: 604_800_000 }),
    /**
     * Keep every Merkle subtree hash in memory (64 bytes per entry) for sub-millisecond proofs.
     * On by default: a database round trip alone has a p99 over a millisecond on a busy host.
     */
    treeCache: Type.Boolean(),
  },
  { additionalProperties: false },
);

export type LedgerServiceConfig = Static<typeof LedgerServiceConfigSchema>;

const validate = new Ajv({ allErrors: true }).compile(LedgerServiceConfigSchema);

export function ledgerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LedgerServiceConfig {
  const dataDir = env.BULWARK_LEDGER_DATA_DIR || './.bulwark/state/ledger';
  const checkpointIntervalMs = Number(env.BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS || 10_000);
  const config = {
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    dataDir,
    origin: env.BULWARK_LEDGER_ORIGIN || 'bulwark.local/ledger',
    witnessDir: env.BULWARK_LEDGER_WITNESS_DIR || `${dataDir.replace(/\/+$/, '')}-witness`,
    ...(env.BULWARK_LEDGER_WITNESS_DATABASE_URL
      ? { witnessDatabaseUrl: env.BULWARK_LEDGER_WITNESS_DATABASE_URL }
      : {}),
    signingKey: env.BULWARK_LEDGER_SIGNING_KEY || 'ledger-checkpoint',
    witnessUrls: envList(env.BULWARK_LEDGER_WITNESS_URLS),
    witnessKeys: envList(env.BULWARK_LEDGER_WITNESS_KEYS),
    checkpointIntervalMs,
    checkpointAfterEntries: Number(env.BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES || 1_000),
    checkpointQuietMs: Number(env.BULWARK_LEDGER_CHECKPOINT_QUIET_MS || 1_000),
    // Three clock periods: a missed checkpoint or two is weather, three is a failing witness.
    windowMaxAgeMs: Number(
      env.BULWARK_LEDGER_WINDOW_MAX_AGE_MS || Math.max(3 * checkpointIntervalMs, 60_000),
    ),
    treeCache: envSwitch('BULWARK_LEDGER_TREE_CACHE', env.BULWARK_LEDGER_TREE_CACHE, true),
  };
  if (!validate(config)) {
    const detail = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw new ConfigError(`invalid ledger configuration: ${detail}`);
  }
  return config;
}
