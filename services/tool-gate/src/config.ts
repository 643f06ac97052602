import { join } from 'node:path';
import { ConfigError, envInteger, envList, envSwitch } from '@bulwark/kit';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';

/** The policy `npm start` runs with: services/tool-gate/policy/reference.policy.yaml. */
export const REFERENCE_POLICY = join(import.meta.dirname, '..', 'policy', 'reference.policy.yaml');

const KeyNames = Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$' }), { minItems: 1 });

/** Everything the tool gate reads from its environment, as one validated object. */
export const ToolGateConfigSchema = Type.Object(
  {
    /** The gate's name: bundles and transitions for another gate are refused. */
    gate: Type.String({ minLength: 1, maxLength: 100 }),
    /** The policy file (YAML/JSON policy or a signed bundle) installed when newer than the state's. */
    policyFile: Type.String({ minLength: 1 }),
    /** Mode, counter, nonces, installed bundle, and the decision outbox live here. */
    stateDir: Type.String({ minLength: 1 }),
    /** Key names (@bulwark/keys) whose public versions may sign policy bundles. */
    policyKeys: KeyNames,
    /** A keyring file (bulwark keys export-public) used instead of the key provider for bundles. */
    policyKeyring: Type.Optional(Type.String({ minLength: 1 })),
    /** Key names whose public versions may sign mode transitions. */
    operatorKeys: KeyNames,
    /** A keyring file used instead of the key provider for operators. */
    operatorKeyring: Type.Optional(Type.String({ minLength: 1 })),
    /** Distinct operator signatures a transition needs (m of the n operator keys). */
    quorum: Type.Integer({ minimum: 1, maximum: 100 }),
    /** Refuse unsigned bundles: on in production, where nothing unsigned is ever installed. */
    requireSignedBundles: Type.Boolean(),
    /** The ledger service every record is shipped to; without it records stay in the outbox. */
    ledgerUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** The ledger stream the gate's records go to. */
    ledgerStream: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$', maxLength: 200 }),
    /** Unshipped records the outbox holds before the gate answers deny (backpressure). */
    outboxMaxRecords: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
  },
  { additionalProperties: false },
);

export type ToolGateConfig = Static<typeof ToolGateConfigSchema>;

const validate = new Ajv({ allErrors: true }).compile(ToolGateConfigSchema);

export function toolGateConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ToolGateConfig {
  const production = env.NODE_ENV === 'production';
  const config = {
    gate: env.BULWARK_GATE_NAME || 'tool-gate',
    policyFile: env.BULWARK_GATE_POLICY || REFERENCE_POLICY,
    stateDir: env.BULWARK_GATE_STATE_DIR || './.bulwark/state/tool-gate',
    policyKeys: orDefault(envList(env.BULWARK_GATE_POLICY_KEYS), ['gate-policy']),
    ...(env.BULWARK_GATE_POLICY_KEYRING ? { policyKeyring: env.BULWARK_GATE_POLICY_KEYRING } : {}),
    operatorKeys: orDefault(envList(env.BULWARK_GATE_OPERATOR_KEYS), ['gate-operator']),
    ...(env.BULWARK_GATE_OPERATOR_KEYRING
      ? { operatorKeyring: env.BULWARK_GATE_OPERATOR_KEYRING }
      : {}),
    quorum: envInteger('BULWARK_GATE_QUORUM', env.BULWARK_GATE_QUORUM, 1),
    requireSignedBundles: envSwitch(
      'BULWARK_GATE_REQUIRE_SIGNED_BUNDLES',
      env.BULWARK_GATE_REQUIRE_SIGNED_BUNDLES,
      production,
    ),
    ...(env.BULWARK_LEDGER_URL ? { ledgerUrl: env.BULWARK_LEDGER_URL } : {}),
    ledgerStream: env.BULWARK_GATE_LEDGER_STREAM || 'tool-gate',
    outboxMaxRecords: envInteger(
      'BULWARK_GATE_OUTBOX_MAX_RECORDS',
      env.BULWARK_GATE_OUTBOX_MAX_RECORDS,
      1_000_000,
    ),
  };
  if (production && !config.requireSignedBundles) {
    throw new ConfigError('BULWARK_GATE_REQUIRE_SIGNED_BUNDLES cannot be off in production');
  }
  if (!validate(config)) {
    const detail = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw new ConfigError(`invalid tool gate configuration: ${detail}`);
  }
  return config;
}

function orDefault(items: string[], fallback: string[]): string[] {
  return items.length > 0 ? items : fallback;
}
