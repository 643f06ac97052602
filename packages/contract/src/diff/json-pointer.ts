/** Escaped reference tokens: media types and paths repeat across every operation. */
const escaped = new Map<string, string>();
const ESCAPED_LIMIT = 10_000;

/** Appends reference tokens to a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function pointerTo(base: string, ...tokens: readonly (string | number)[]): string {
  let pointer = base;
  for (const token of tokens) {
    pointer += `/${escapeToken(String(token))}`;
  }
  return pointer;
}

/** One reference token, escaped. */
export function escapeToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  let result = escaped.get(token);
  if (result === undefined) {
    result = token.replaceAll('~', '~0').replaceAll('/', '~1');
    if (escaped.size >= ESCAPED_LIMIT) escaped.clear();
    escaped.set(token, result);
  }
  return result;
}
