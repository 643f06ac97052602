import { jsonPointerPath } from '@bulwark/kit';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { PolicySchema } from './schema.js';
import { type PolicyPathSegment, type PolicyProblem, semanticProblem } from './semantics.js';
import type { PolicyDocument } from './types.js';

/**
 * Whether a value is a valid policy: the JSON Schema (ajv, no coercion: `version: "2"` is wrong,
 * not quietly right; no defaults: the document that is signed is the document that runs), then
 * the semantic checks. The first problem comes back with its path, for the loader to locate in
 * the file and for compilePolicy to name.
 */

let validator: ValidateFunction | undefined;

function policyValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, verbose: true });
    addFormats(ajv);
    validator = ajv.compile(PolicySchema);
  }
  return validator;
}

/** The first problem that keeps `value` from being a policy, or undefined when it is one. */
export function policyProblem(value: unknown): PolicyProblem | undefined {
  const validate = policyValidator();
  if (!validate(value)) {
    const error = mostSpecific(validate.errors ?? []);
    const path = jsonPointerPath(error.instancePath);
    // An unknown field is best shown where it is written, not where its parent starts.
    if (error.keyword === 'additionalProperties') {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      return { path: [...path, name], message: describeError(error) };
    }
    return { path, message: describeError(error) };
  }
  return semanticProblem(value as PolicyDocument);
}

/** `['modes', 'WORK', 'rules', 3, 'effect']` → `modes.WORK.rules[3].effect`; the root is `policy`. */
export function describePolicyPath(path: readonly PolicyPathSegment[]): string {
  if (path.length === 0) return 'policy';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment))
      text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** A problem as one line: `modes.WORK.rules[3].effect: must be one of allow, deny, approval`. */
export function describePolicyProblem(problem: PolicyProblem): string {
  return `${describePolicyPath(problem.path)}: ${problem.message}`;
}

/** The deepest error is the one nearest the mistake; among equals, prefer a named property. */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject {
  const depth = (e: ErrorObject) =>
    jsonPointerPath(e.instancePath).length + (e.keyword === 'additionalProperties' ? 1 : 0);
  const sorted = [...errors].sort((a, b) => depth(b) - depth(a));
  const deepest = sorted[0] as ErrorObject;
  // A union fails once per member plus once for itself: report the union as a whole.
  const union = sorted.find(
    (e) =>
      e.instancePath === deepest.instancePath && (e.keyword === 'anyOf' || e.keyword === 'oneOf'),
  );
  if (union && (deepest.keyword === 'const' || deepest.keyword === 'type')) {
    const atUnion = errors.filter((e) => e.instancePath === deepest.instancePath);
    const allowed = atUnion
      .filter((e) => e.keyword === 'const')
      .map((e) => String((e.params as { allowedValue: unknown }).allowedValue));
    const types = atUnion
      .filter((e) => e.keyword === 'type')
      .map((e) => String((e.params as { type: unknown }).type));
    const message =
      allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : `must be a ${either(types)}`;
    return { ...union, message };
  }
  return deepest;
}

/** `string, number or boolean` */
function either(names: readonly string[]): string {
  return names.length < 2
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

function describeError(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = JSON.stringify(
        (error.params as { additionalProperty: string }).additionalProperty,
      );
      // In a record (modes, args) an unknown key is a name that breaks the naming rule.
      const record = error.parentSchema as { patternProperties?: unknown; description?: unknown };
      if (record?.patternProperties !== undefined && typeof record.description === 'string') {
        return `${name} is not an allowed name: ${record.description}`;
      }
      return `unknown field ${name}`;
    }
    case 'required':
      return `missing required field ${JSON.stringify((error.params as { missingProperty: string }).missingProperty)}`;
    case 'pattern':
      return typeof error.parentSchema?.description === 'string'
        ? `must be ${error.parentSchema.description}`
        : (error.message ?? 'does not match its pattern');
    case 'const':
      return `must be ${String((error.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return error.message ?? 'is invalid';
  }
}
