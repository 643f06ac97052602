import { UsageError } from '../exit-codes.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `90d`, `24h`, `30m`, `45s` as milliseconds; anything else is a usage error naming the flag.
 * Written here rather than taken from @bulwark/verify's durationMs, which expects text its plan
 * schema already checked and would load the verifier for a key-file edit.
 */
export function durationFlag(flag: string, text: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text);
  if (match === null) {
    throw new UsageError(`${flag} takes a duration like 90d, 24h, 30m or 45s, not "${text}"`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
