/**
 * Time limits written in prose: "within <200ms", "completes within 30s", "under 2 minutes",
 * "p95 < 0.5 s". Only a number that follows a bound word or sign counts, so "(e.g., 20s)",
 * "30s default" and "after 24h soak" are not limits.
 */

export interface TimeLimit {
  readonly ms: number;
  /** The words it was read from, for the binding's explanation. */
  readonly phrase: string;
}

const UNIT_MS: ReadonlyArray<[RegExp, number]> = [
  [/^(ms|msecs?|milliseconds?)$/, 1],
  [/^(s|secs?|seconds?)$/, 1000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
];

const LIMIT =
  /(?:\b(?:within|under|below|less than|at most|no more than|in)\b|<=?|≤)\s*(?:<=?|≤)?\s*(\d+(?:\.\d+)?)\s*(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b/gi;

/** Every time limit in the text, in order. */
export function timeLimits(text: string): TimeLimit[] {
  const limits: TimeLimit[] = [];
  for (const match of text.matchAll(LIMIT)) {
    const unit = (match[2] ?? '').toLowerCase();
    const factor = UNIT_MS.find(([pattern]) => pattern.test(unit))?.[1];
    if (factor === undefined) continue;
    limits.push({ ms: Math.round(Number(match[1]) * factor), phrase: match[0].trim() });
  }
  return limits;
}

/** The one limit the text states; undefined when it states none or several that differ. */
export function singleTimeLimit(text: string): TimeLimit | undefined {
  const limits = timeLimits(text);
  const first = limits[0];
  return first && limits.every((l) => l.ms === first.ms) ? first : undefined;
}
