import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { checkLevelOverrides } from '../diff/levels.js';
import { ContractError } from '../errors.js';
import type { ChangeLevel } from '../model.js';

export const CONTRACT_CONFIG_FILE = 'bulwark.contract.yaml';

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
    /**
     * Level overrides by class id (`response.enum.value-added: error`); checkLevelOverrides
     * judges ids and levels, with messages that name the class and the allowed levels.
     */
    levels: Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 50 }), {
      default: {},
    }),
  },
  { additionalProperties: false },
);
type ContractConfigFile = Static<typeof ContractConfigSchema>;
export type ContractConfig = Omit<ContractConfigFile, 'levels'> & {
  readonly levels: Readonly<Record<string, ChangeLevel>>;
};

// Compiled on first use: `bulwark verify --help` loads this package and never reads the file.
let validate: ValidateFunction<ContractConfigFile> | undefined;
const validator = (): ValidateFunction<ContractConfigFile> => {
  validate ??= new Ajv({
    useDefaults: true,
    allErrors: false,
    strict: false,
  }).compile<ContractConfigFile>(ContractConfigSchema);
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
  return { ...value, levels: checkLevelOverrides(value.levels, path) };
}
