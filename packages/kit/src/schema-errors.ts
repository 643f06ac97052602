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

/**
 * An ajv instancePath (a JSON pointer, RFC 6901) as path segments, array indexes as numbers:
 * `/criteria/3/checks/0` → `['criteria', 3, 'checks', 0]`, for locating the value in its file.
 */
export function jsonPointerPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
