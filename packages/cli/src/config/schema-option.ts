import type { ConfigSchemaEntry } from '@bulwark/config';
import { UsageError } from '../exit-codes.js';
import { asUsageError } from './config-errors.js';

/** `notifications` or `notifications@1`, as `--schema` takes it. */
export interface SchemaOption {
  readonly name: string;
  readonly version: number | undefined;
}

const SCHEMA_OPTION = /^([a-z][a-z0-9-]*)(?:@(?:v)?(\d{1,6}))?$/;

/** Parses `--schema`; anything else is a usage error naming the flag. */
export function parseSchemaOption(text: string): SchemaOption {
  const match = SCHEMA_OPTION.exec(text);
  if (match === null) {
    throw new UsageError(
      `--schema takes a config schema name and optionally its version, like notifications or notifications@1, not ${JSON.stringify(text.slice(0, 64))}`,
    );
  }
  return {
    name: match[1] as string,
    version: match[2] === undefined ? undefined : Number(match[2]),
  };
}

/**
 * The built-in schema `--schema` names, at its version or the latest. An unknown name or version
 * is CONFIG_UNKNOWN_SCHEMA from @bulwark/config, said in one line naming what there is.
 */
export async function schemaEntry(option: SchemaOption): Promise<ConfigSchemaEntry> {
  // Loaded here, not at the top: `bulwark config --help` does without the schemas and ajv.
  const { builtInConfigSchemas } = await import('@bulwark/config');
  const schemas = builtInConfigSchemas();
  try {
    return option.version === undefined
      ? schemas.latest(option.name)
      : schemas.get(option.name, option.version);
  } catch (error) {
    throw asUsageError(error);
  }
}
