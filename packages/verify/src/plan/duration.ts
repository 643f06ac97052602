import { DURATION_PATTERN } from './schema.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30s` → 30000. The schema has already checked the shape; anything else is a programming error. */
export function durationMs(text: string): number {
  const match = new RegExp(DURATION_PATTERN).exec(text) ? /^(\d+)(ms|s|m|h|d)$/.exec(text) : null;
  if (!match) throw new RangeError(`not a duration: ${JSON.stringify(text)}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** 90061000 → `1d 1h`: the two largest units, for ages in reports. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / seconds);
    rest -= n * seconds;
    if (n > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
