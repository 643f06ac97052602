import { SecretFormatError } from './secret-errors.js';

/** Where a secret came from, for the errors of a field lookup. */
export interface SecretOrigin {
  readonly provider: string;
  readonly secret: string;
}

/**
 * One field of a structured secret held as JSON text (a file, an env var, an AWS SecretString):
 * undefined when the object lacks it. The parser's own error is dropped, not kept as a cause:
 * V8 quotes the text it failed on, and that text is the secret.
 */
export function jsonField(text: string, field: string, origin: SecretOrigin): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new SecretFormatError(
      origin.provider,
      origin.secret,
      `is not JSON, so it has no field "${field}"`,
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new SecretFormatError(
      origin.provider,
      origin.secret,
      `is not a JSON object, so it has no field "${field}"`,
    );
  }
  return fieldText(document as Record<string, unknown>, field, origin);
}

/** A field of an already-parsed object as text: numbers and booleans are written out. */
export function fieldText(
  document: Record<string, unknown>,
  field: string,
  origin: SecretOrigin,
): string | undefined {
  if (!Object.hasOwn(document, field)) return undefined;
  const value = document[field];
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SecretFormatError(
    origin.provider,
    origin.secret,
    `has a field "${field}" that is not text, a number or a boolean`,
  );
}
