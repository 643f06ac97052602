import { ConfigError, envList } from '@bulwark/kit';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';

const KeyName = Type.String({ pattern: '^[^\\s+=,]+$' });

/** Everything the witness service reads from its environment, as one validated object. */
export const WitnessServiceConfigSchema = Type.Object(
  {
    /** The cosigner name on every cosignature line: a schema-less URL naming this witness. */
    name: Type.String({ pattern: '^[^\\s+]+$', maxLength: 200 }),
    /** Name of the @bulwark/keys key that cosigns (its own key, never the log's). */
    signingKey: Type.String({ minLength: 1 }),
    /** Witnessed checkpoints, one directory per log; also the cosignature audit file. */
    dataDir: Type.String({ minLength: 1 }),
    /** Keep witnessed checkpoints in this PostgreSQL database instead of `dataDir`. */
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** Logs witnessed by their published note verifier keys (`<origin>+<hash>+<key>`). */
    logKeys: Type.Array(Type.String({ minLength: 1 })),
    /**
     * Logs witnessed by a key name in this witness's own key provider (every version of it):
     * origin → key name. For a local stack whose ledger and witness share a dev keystore.
     */
    logKeyNames: Type.Array(Type.Object({ origin: KeyName, keyName: KeyName })),
  },
  { additionalProperties: false },
);

export type WitnessServiceConfig = Static<typeof WitnessServiceConfigSchema>;

const validate = new Ajv({ allErrors: true }).compile(WitnessServiceConfigSchema);

/** The local stack's ledger: its origin and checkpoint key in the shared dev keystore. */
const DEV_LOG = 'bulwark.local/ledger=ledger-checkpoint';

export function witnessConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WitnessServiceConfig {
  const logKeys = envList(env.BULWARK_WITNESS_LOG_KEYS);
  // Outside production with nothing configured, witness the local stack's ledger; in
  // production every witnessed log is named explicitly.
  const namedDefault = logKeys.length === 0 && env.NODE_ENV !== 'production' ? DEV_LOG : undefined;
  const logKeyNames = envList(env.BULWARK_WITNESS_LOG_KEY_NAMES ?? namedDefault).map((pair) => {
    const at = pair.lastIndexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      throw new ConfigError(
        `BULWARK_WITNESS_LOG_KEY_NAMES takes origin=keyName pairs, not ${JSON.stringify(pair)}`,
      );
    }
    return { origin: pair.slice(0, at), keyName: pair.slice(at + 1) };
  });
  const config = {
    name: env.BULWARK_WITNESS_NAME || 'bulwark.local/witness',
    signingKey: env.BULWARK_WITNESS_SIGNING_KEY || 'witness-cosigner',
    dataDir: env.BULWARK_WITNESS_DATA_DIR || './.bulwark/state/witness',
    ...(env.BULWARK_WITNESS_DATABASE_URL ? { databaseUrl: env.BULWARK_WITNESS_DATABASE_URL } : {}),
    logKeys,
    logKeyNames,
  };
  if (!validate(config)) {
    const detail = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw new ConfigError(`invalid witness configuration: ${detail}`);
  }
  if (config.logKeys.length === 0 && config.logKeyNames.length === 0) {
    throw new ConfigError(
      'the witness witnesses no log: set BULWARK_WITNESS_LOG_KEYS (verifier keys) or BULWARK_WITNESS_LOG_KEY_NAMES',
    );
  }
  return config;
}
