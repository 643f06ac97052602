/**
 * Reading the dereferenced document, which is untyped JSON: OpenAPI 3.0 and 3.1 differ in the
 * places the diff reads (type arrays, `nullable`, boolean schemas), so the diff reads plain
 * values defensively instead of trusting either version's typings.
 */
export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The object-valued entries of a mapping (`paths`, `properties`, `content`, …). */
export function objectEntries(value: unknown): [string, JsonObject][] {
  const object = asObject(value);
  if (object === undefined) return [];
  const entries: [string, JsonObject][] = [];
  for (const [key, entry] of Object.entries(object)) {
    const child = asObject(entry);
    if (child !== undefined) entries.push([key, child]);
  }
  return entries;
}

/** A short, stable rendering of a JSON value for messages (`'a'`, `3`, `null`). */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function showValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 5).map(showValue).join(', ');
  return values.length > 5 ? `${shown} and ${values.length - 5} more` : shown;
}
