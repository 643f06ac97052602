/**
 * Every value the secret stores of this process have handed out, so a log line that quotes one
 * by accident (an error message with a connection string, a debug dump of an options object)
 * can be scrubbed by exact match: pattern rules (logging/redact.ts) cannot recognize an opaque
 * value like `x9f…`. Process-wide because the logger is; bounded, oldest forgotten first.
 */

/** Shorter values are not scrubbed: replacing every "abc" in every log line would wreck logs. */
export const MIN_SCRUBBED_LENGTH = 8;
const MAX_KNOWN_VALUES = 1_024;

const known = new Set<string>();
/** Longest first, so a value that contains another is replaced whole. */
let longestFirst: readonly string[] = [];

/** Remembers a value handed out; a rotated-away value stays known (copies may still be live). */
export function rememberSecretValue(value: string): void {
  if (value.length < MIN_SCRUBBED_LENGTH || known.has(value)) return;
  if (known.size >= MAX_KNOWN_VALUES) {
    const oldest = known.values().next().value;
    if (oldest !== undefined) known.delete(oldest);
  }
  known.add(value);
  longestFirst = [...known].sort((a, b) => b.length - a.length);
}

/**
 * The text with every known secret value replaced. Costs nothing until a secret is read, then
 * one `includes` per known value (a service references a handful).
 */
export function scrubKnownSecretValues(text: string, replacement: string): string {
  if (longestFirst.length === 0 || text.length < MIN_SCRUBBED_LENGTH) return text;
  let out = text;
  for (const value of longestFirst) {
    if (out.includes(value)) out = out.replaceAll(value, replacement);
  }
  return out;
}
