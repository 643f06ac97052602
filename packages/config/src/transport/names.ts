import { ConfigRegistryError } from '../errors.js';

/**
 * A config name: lower case, digits, `_` and `-`, starting with a letter, at most 64 characters.
 * It names a schema file (`schemas/config/<name>.v1.schema.json`) and becomes one token of a
 * NATS subject, so a dot, a wildcard (`*`, `>`) or a space could never be let through.
 */
const CONFIG_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** An instance id: letters, digits, `_` and `-`, at most 128 characters (one subject token). */
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isConfigName(name: string): boolean {
  return CONFIG_NAME.test(name);
}

/** The name, or ConfigRegistryError CONFIG_BAD_NAME saying what is allowed. */
export function checkConfigName(name: unknown): string {
  if (typeof name === 'string' && CONFIG_NAME.test(name)) return name;
  throw new ConfigRegistryError(
    'CONFIG_BAD_NAME',
    `config name ${JSON.stringify(name)} is not allowed: use a-z, 0-9, _ and -, starting with a letter, at most 64 characters`,
  );
}

/** The id, or ConfigRegistryError CONFIG_BAD_NAME saying what is allowed. */
export function checkInstanceId(id: unknown): string {
  if (typeof id === 'string' && INSTANCE_ID.test(id)) return id;
  throw new ConfigRegistryError(
    'CONFIG_BAD_NAME',
    `instance id ${JSON.stringify(id)} is not allowed: use A-Z, a-z, 0-9, _ and -, at most 128 characters`,
  );
}
