import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ConfigRegistryError } from './errors.js';
import { mergeDocuments } from './layers-merge.js';
import type { ConfigSchemaEntry } from './schemas.js';
import { ENV_KEYWORD, RESTART_KEYWORD, SECRET_KEYWORD } from './schemas-annotations.js';
import { isPlainObject, pointerOf } from './schemas-pointer.js';
import { findLiteralSecret } from './validate-literal-secrets.js';

/** Why a document is refused: a stable code, the JSON pointer, and what was expected there. */
export interface ConfigProblem {
  readonly code: 'CONFIG_INVALID' | 'CONFIG_LITERAL_SECRET';
  readonly path: string;
  /** `must be boolean`, `is required`, … — never quoting the value found. */
  readonly problem: string;
}

const validators = new WeakMap<ConfigSchemaEntry, ValidateFunction>();

/**
 * Checks a config document against its schema: a document gives what it sets, and the
 * schema's defaults fill the rest (`{ janitor: { enabled: false } }` is a whole notifications
 * document). Returns that completed copy; the argument is not changed. Throws
 * ConfigRegistryError CONFIG_LITERAL_SECRET for a literal secret (checked first, so a secret is
 * refused as such even in a document with other faults) or CONFIG_INVALID, each one line
 * naming the JSON pointer.
 */
export function validateDocument(
  entry: ConfigSchemaEntry,
  document: unknown,
): Record<string, unknown> {
  const problem = documentProblem(entry, document);
  if (problem !== undefined) throw problemError(entry, problem);
  return mergeDocuments(entry.defaults, document as Record<string, unknown>);
}

/** What validateDocument would refuse, as data; undefined for a valid document. */
export function documentProblem(
  entry: ConfigSchemaEntry,
  document: unknown,
): ConfigProblem | undefined {
  if (!isPlainObject(document)) {
    return { code: 'CONFIG_INVALID', path: '', problem: 'must be an object' };
  }
  const secret = findLiteralSecret(entry, document);
  if (secret !== undefined) return secret;
  const validate = validatorOf(entry);
  if (validate(mergeDocuments(entry.defaults, document))) return undefined;
  return schemaProblem(validate.errors);
}

/** The error for a problem; `origin` says which layer the value came from, where known. */
export function problemError(
  entry: Pick<ConfigSchemaEntry, 'label'>,
  problem: ConfigProblem,
  origin?: string,
): ConfigRegistryError {
  const from = origin === undefined ? '' : ` (from ${origin})`;
  return new ConfigRegistryError(
    problem.code,
    `config ${entry.label}: ${problem.path || '/'} ${problem.problem}${from}`,
    { path: problem.path },
  );
}

/** Compiled once per entry. Strict, so a misspelt keyword in a schema fails at compile. */
function validatorOf(entry: ConfigSchemaEntry): ValidateFunction {
  let validate = validators.get(entry);
  if (validate === undefined) {
    const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, verbose: true });
    ajv.addVocabulary([RESTART_KEYWORD, SECRET_KEYWORD, ENV_KEYWORD]);
    validate = ajv.compile(entry.schema);
    validators.set(entry, validate);
  }
  return validate;
}

/** The first ajv error as a path and what was expected there, pointing at the key at fault. */
function schemaProblem(errors: ErrorObject[] | null | undefined): ConfigProblem {
  const error = errors?.[0];
  if (error === undefined) {
    return { code: 'CONFIG_INVALID', path: '', problem: 'does not match its schema' };
  }
  const union = literalUnionProblem(errors ?? []);
  if (union !== undefined) return union;
  const params = error.params as Record<string, unknown>;
  const at = (key: unknown) => `${error.instancePath}${pointerOf([String(key)])}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      return {
        code: 'CONFIG_INVALID',
        path: at(params.additionalProperty),
        problem: `is not a known key (expected one of: ${known.join(', ') || 'none'})`,
      };
    }
    case 'required':
      return { code: 'CONFIG_INVALID', path: at(params.missingProperty), problem: 'is required' };
    case 'const':
      return {
        code: 'CONFIG_INVALID',
        path: error.instancePath,
        problem: `must be ${JSON.stringify(params.allowedValue)}`,
      };
    case 'enum':
      return {
        code: 'CONFIG_INVALID',
        path: error.instancePath,
        problem: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return {
        code: 'CONFIG_INVALID',
        path: error.instancePath,
        problem: error.message ?? 'is invalid',
      };
  }
}

/**
 * A union of literals (TypeBox's enums) fails with one `const` error per branch and then the
 * `anyOf`: said as the values it takes, not as the first branch's.
 */
function literalUnionProblem(errors: readonly ErrorObject[]): ConfigProblem | undefined {
  const last = errors.at(-1);
  if (last === undefined || (last.keyword !== 'anyOf' && last.keyword !== 'oneOf'))
    return undefined;
  const branches = errors.slice(0, -1);
  const allConst = branches.every(
    (error) => error.keyword === 'const' && error.instancePath === last.instancePath,
  );
  if (branches.length === 0 || !allConst) return undefined;
  const allowed = branches.map((error) => JSON.stringify(error.params.allowedValue));
  return {
    code: 'CONFIG_INVALID',
    path: last.instancePath,
    problem: `must be one of ${allowed.join(', ')}`,
  };
}
