import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { changeClass } from '../classes.js';
import { ContractError } from '../errors.js';
import { CHANGE_LEVELS, type ChangeLevel } from '../model.js';

/**
 * The shape of a level-override file (`bulwark.contract.yaml`): `levels` maps class ids to a
 * level; other keys belong to the rest of the configuration and are left alone here. Values are
 * checked by checkLevelOverrides, whose messages name the class and the allowed levels.
 */
export const LevelOverridesFileSchema = Type.Object(
  {
    levels: Type.Optional(
      Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 50 })),
    ),
  },
  { additionalProperties: true },
);
type LevelOverridesFile = Static<typeof LevelOverridesFileSchema>;

let fileValidator: ValidateFunction<LevelOverridesFile> | undefined;

/**
 * Compiled on first use, not when the package loads: the CLI loads this package for commands that
 * never read a levels file (`bulwark verify --help`), and an Ajv compilation costs milliseconds.
 */
function validateFile(value: unknown): value is LevelOverridesFile {
  fileValidator ??= new Ajv({ allErrors: false, strict: false }).compile<LevelOverridesFile>(
    LevelOverridesFileSchema,
  );
  return fileValidator(value);
}

/**
 * Checks level overrides: every key a class id of the catalogue, every value error, warning or
 * info. Returns them typed; throws BW_CONTRACT_CONFIG naming `source` (a file) and the entry.
 */
export function checkLevelOverrides(
  levels: Readonly<Record<string, string>>,
  source?: string,
): Readonly<Record<string, ChangeLevel>> {
  const where = source === undefined ? 'levels' : `${source}: levels`;
  for (const [id, level] of Object.entries(levels)) {
    if (changeClass(id) === undefined) {
      throw new ContractError(
        'BW_CONTRACT_CONFIG',
        `${where}: unknown change class '${id}' (the classes are listed in docs/contracts.md)`,
      );
    }
    if (!(CHANGE_LEVELS as readonly string[]).includes(level)) {
      throw new ContractError(
        'BW_CONTRACT_CONFIG',
        `${where}: level of '${id}' must be error, warning or info, not '${String(level)}'`,
      );
    }
  }
  return levels as Readonly<Record<string, ChangeLevel>>;
}

/** Reads the `levels:` overrides of a YAML file (`bulwark.contract.yaml`); other keys are ignored. */
export function loadLevelOverrides(file: string): Readonly<Record<string, ChangeLevel>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ContractError('BW_CONTRACT_CONFIG', `${file}: cannot read (${code})`);
  }
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100 }) ?? {};
  } catch (error) {
    const message = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new ContractError('BW_CONTRACT_CONFIG', `${file}: not valid YAML: ${message}`);
  }
  if (!validateFile(value)) {
    const [first] = fileValidator?.errors ?? [];
    const at = first?.instancePath || '/';
    throw new ContractError(
      'BW_CONTRACT_CONFIG',
      `${file}: ${at} ${first?.message ?? 'is invalid'}`,
    );
  }
  return checkLevelOverrides(value.levels ?? {}, file);
}
