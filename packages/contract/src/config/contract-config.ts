import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { checkLevelOverrides } from '../diff/levels.js';
import { ContractError } from '../errors.js';

export const CONTRACT_CONFIG_FILE = 'bulwark.contract.yaml';

const Level = Type.Union([Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')]);

/**
 * `bulwark.contract.yaml`: where the snapshots live, which services publish one, and the levels
 * this repository gives change classes (every class has a documented default).
 */
export const ContractConfigSchema = Type.Object(
  {
    version: Type.Literal(1, { default: 1 }),
    /** The directory of the snapshots, `<snapshots>/<service>.json`, relative to the root. */
    snapshots: Type.String({ minLength: 1, maxLength: 1024, default: 'openapi' }),
    /** The stack file whose services' entry points generate the documents. */
    stack: Type.String({ minLength: 1, maxLength: 1024, default: 'bulwark.stack.yaml' }),
    /** The services that publish a contract; empty means every service of the stack. */
    services: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), {
      maxItems: 200,
      uniqueItems: true,
      default: [],
    }),
    /** `contract check` compares with the snapshots at the merge base of HEAD and this branch. */
    base: Type.String({ minLength: 1, maxLength: 256, default: 'main' }),
    /** Level overrides by class id (`response.enum.value-added: error`). */
    levels: Type.Record(Type.String(), Level, { default: {} }),
  },
  { additionalProperties: false },
);
export type ContractConfig = Static<typeof ContractConfigSchema>;

// Compiled on first use: `bulwark verify --help` loads this package and never reads the file.
let validate: ValidateFunction<ContractConfig> | undefined;
const validator = (): ValidateFunction<ContractConfig> => {
  validate ??= new Ajv({
    useDefaults: true,
    allErrors: false,
    strict: false,
  }).compile<ContractConfig>(ContractConfigSchema);
  return validate;
};

/**
 * Reads `bulwark.contract.yaml` from the root (or `file`), filling every default; with no file
 * the defaults apply. Bad YAML, a bad setting or an unknown class id is a ContractError
 * (BW_CONTRACT_CONFIG) naming the file and the setting.
 */
export function loadContractConfig(root: string, file?: string): ContractConfig {
  const path = file ?? join(root, CONTRACT_CONFIG_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (file !== undefined || code !== 'ENOENT') {
      throw new ContractError('BW_CONTRACT_CONFIG', `cannot read ${path}: ${code ?? 'unreadable'}`);
    }
  }
  let value: unknown = { version: 1 };
  if (text !== undefined) {
    try {
      value = parse(text, { maxAliasCount: 100 }) ?? { version: 1 };
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      throw new ContractError('BW_CONTRACT_CONFIG', `${path}: ${message}`);
    }
  }
  const check = validator();
  if (!check(value)) {
    const [first] = check.errors ?? [];
    const where = first?.instancePath || '/';
    throw new ContractError(
      'BW_CONTRACT_CONFIG',
      `${path}: ${where} ${first?.message ?? 'is invalid'}`,
    );
  }
  checkLevelOverrides(value.levels, path);
  return value;
}
