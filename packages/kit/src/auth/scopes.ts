/**
 * Whether `held` scopes cover `needed`. A held scope ending in `*` covers every scope with that
 * prefix (`items:*` covers `items:write`; `*` covers all), so an admin key need not list each.
 * Returns the needed scopes not covered, or undefined when all are (the hot path allocates
 * nothing then).
 */
export function missingScopes(
  held: readonly string[],
  needed: readonly string[],
): string[] | undefined {
  let missing: string[] | undefined;
  for (const scope of needed) {
    if (covers(held, scope)) continue;
    missing ??= [];
    missing.push(scope);
  }
  return missing;
}

function covers(held: readonly string[], scope: string): boolean {
  for (const granted of held) {
    if (granted === scope) return true;
    if (granted.endsWith('*') && scope.startsWith(granted.slice(0, -1))) return true;
  }
  return false;
}

/** A scope claim as a list: OAuth's space-separated string (RFC 8693 §4.2) or an array. */
export function scopesFromClaim(value: unknown): readonly string[] | undefined {
  if (value === undefined) return [];
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope !== '');
  if (Array.isArray(value) && value.every((scope) => typeof scope === 'string')) return value;
  return undefined;
}
