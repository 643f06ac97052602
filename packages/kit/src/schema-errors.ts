import type { ErrorObject } from 'ajv';

/**
 * The first ajv error as `<json path> <what>`, for a one-sentence message about a document that
 * fails its schema (a bundle, a transition, a state file): enough to find the fault, without the
 * wall of every error ajv can list.
 */
export function firstSchemaError(errors: ErrorObject[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) return 'does not match its schema';
  const where = error.instancePath || '/';
  const allowed =
    error.keyword === 'const'
      ? ` ${JSON.stringify(error.params.allowedValue)}`
      : error.keyword === 'enum'
        ? ` (${(error.params.allowedValues as unknown[]).join(', ')})`
        : error.keyword === 'additionalProperties'
          ? ` (${String(error.params.additionalProperty)})`
          : '';
  return `${where} ${error.message ?? 'is invalid'}${allowed}`;
}
