import type { TSchema } from '@sinclair/typebox';
import { ANY_SEGMENT, isPlainObject, pointerOf, setOwn } from './schemas-pointer.js';

/**
 * What a config schema says about its keys beyond their shape, in the TypeBox options (and so
 * in the published JSON Schema, where `x-` keywords are allowed and ignored by validators):
 *
 * - `'x-restart': true` — a change to this key needs the service restarted (a listener port, a
 *   pool size fixed at start); a consumer drains and restarts instead of applying it live.
 * - `'x-secret': true` — the value must be a `${secret:name}` reference, never the secret.
 * - `'x-env': 'NAME'` — the environment variable that overrides this key.
 */
export const RESTART_KEYWORD = 'x-restart';
export const SECRET_KEYWORD = 'x-secret';
export const ENV_KEYWORD = 'x-env';

/** The JSON type an environment variable's text is read as. */
export type EnvValueType = 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

/** One `x-env` annotation: which variable overrides which key, read as which type. */
export interface EnvBinding {
  readonly variable: string;
  readonly pointer: string;
  readonly type: EnvValueType;
  /** The key is also `x-secret`: the variable must hold a reference too. */
  readonly secret: boolean;
}

export interface SchemaAnnotations {
  /** Pointers of `x-restart` keys; `*` stands for any array item or record key. */
  readonly restartKeys: readonly string[];
  /** Pointers of `x-secret` keys; `*` stands for any array item or record key. */
  readonly secretKeys: readonly string[];
  readonly envBindings: readonly EnvBinding[];
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
const ENV_TYPES: readonly string[] = ['boolean', 'integer', 'number', 'string', 'array', 'object'];

type SchemaNode = Record<string, unknown>;

/**
 * Reads the annotations of a config schema, and refuses (TypeError: a programming error, found
 * when the schema is registered) a schema the registry could not keep its promises for: an
 * object that accepts unknown keys (a misspelt key would be silently ignored), a secret with a
 * default (a literal secret in code), an env binding under an array or two keys on one variable.
 */
export function schemaAnnotations(schema: TSchema, label: string): SchemaAnnotations {
  const restartKeys: string[] = [];
  const secretKeys: string[] = [];
  const envBindings: EnvBinding[] = [];
  const refuse = (path: readonly string[], problem: string): never => {
    throw new TypeError(`config schema ${label}: ${pointerOf(path) || '/'} ${problem}`);
  };

  const walk = (node: SchemaNode, path: readonly string[]) => {
    const restart = node[RESTART_KEYWORD];
    const secret = node[SECRET_KEYWORD];
    const env = node[ENV_KEYWORD];
    if (restart !== undefined && typeof restart !== 'boolean') {
      refuse(path, `has ${RESTART_KEYWORD} that is not true or false`);
    }
    if (secret !== undefined && typeof secret !== 'boolean') {
      refuse(path, `has ${SECRET_KEYWORD} that is not true or false`);
    }
    if (restart === true) restartKeys.push(pointerOf(path));
    if (secret === true) {
      if (Object.hasOwn(node, 'default')) refuse(path, 'is a secret and cannot have a default');
      secretKeys.push(pointerOf(path));
    }
    if (env !== undefined) {
      if (typeof env !== 'string' || !ENV_NAME.test(env)) {
        refuse(path, `has ${ENV_KEYWORD} that is not an environment variable name (A-Z, 0-9, _)`);
      }
      if (path.includes(ANY_SEGMENT))
        refuse(path, `is inside an array or record; ${ENV_KEYWORD} names one key`);
      const taken = envBindings.find((binding) => binding.variable === env);
      if (taken) refuse(path, `reuses ${env}, which already overrides ${taken.pointer}`);
      envBindings.push({
        variable: env as string,
        pointer: pointerOf(path),
        type: envValueType(node),
        secret: secret === true,
      });
    }

    if (isPlainObject(node.properties)) {
      if (node.additionalProperties !== false) {
        refuse(path, 'is an object that accepts unknown keys: set additionalProperties: false');
      }
      for (const [key, child] of Object.entries(node.properties)) {
        if (isPlainObject(child)) walk(child, [...path, key]);
      }
    }
    if (isPlainObject(node.items)) walk(node.items, [...path, ANY_SEGMENT]);
    if (isPlainObject(node.patternProperties)) {
      for (const child of Object.values(node.patternProperties)) {
        if (isPlainObject(child)) walk(child, [...path, ANY_SEGMENT]);
      }
    }
    if (isPlainObject(node.additionalProperties)) {
      walk(node.additionalProperties, [...path, ANY_SEGMENT]);
    }
    for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
      const branches = node[keyword];
      if (!Array.isArray(branches)) continue;
      for (const branch of branches) if (isPlainObject(branch)) walk(branch, path);
    }
  };

  walk(schema as SchemaNode, []);
  return { restartKeys, secretKeys, envBindings };
}

/**
 * The document the schema's defaults make: every key with a default, at any depth. An object
 * whose keys have defaults is built from them; its own `default` is used only when none do.
 */
export function schemaDefaults(schema: TSchema): Record<string, unknown> {
  const found = defaultsOf(schema as SchemaNode);
  return isPlainObject(found) ? found : {};
}

function defaultsOf(node: SchemaNode): unknown {
  if (isPlainObject(node.properties)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node.properties)) {
      if (!isPlainObject(child)) continue;
      const value = defaultsOf(child);
      if (value !== undefined) setOwn(out, key, value);
    }
    if (Object.keys(out).length > 0) return out;
  }
  return Object.hasOwn(node, 'default') ? structuredClone(node.default) : undefined;
}

/** The declared type, or for a union of literals (TypeBox's enums) the type they share. */
function envValueType(node: SchemaNode): EnvValueType {
  if (typeof node.type === 'string' && ENV_TYPES.includes(node.type)) {
    return node.type as EnvValueType;
  }
  const branches = node.anyOf ?? node.oneOf;
  if (Array.isArray(branches)) {
    const types = new Set(branches.map((branch) => (branch as SchemaNode).type));
    const [only] = types;
    if (types.size === 1 && typeof only === 'string' && ENV_TYPES.includes(only)) {
      return only as EnvValueType;
    }
  }
  return 'string';
}
