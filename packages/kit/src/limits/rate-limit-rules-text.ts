import type { Static } from '@sinclair/typebox';
import { ConfigError } from '../errors.js';
import { RATE_LIMIT_KEYS, type RateLimitRuleSchema } from './rate-limit-config.js';

type RateLimitRule = Static<typeof RateLimitRuleSchema>;

const RULE = /^([a-z][a-z0-9-]{0,62})=([a-z+]+):(\d{1,8})\/(\d{1,8})(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * Rate-limit rules written on one line, for an environment variable (BULWARK_RATE_LIMIT_RULES):
 * `NAME=KEY[+KEY]:POINTS/WINDOW`, comma-separated, e.g.
 * `subject=route+subject:100/1s,org=org:5000/1m`. The schema still validates the result.
 */
export function parseRateLimitRules(text: string, variable: string): RateLimitRule[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = RULE.exec(part);
      if (match === null) {
        throw new ConfigError(
          `${variable}: "${part.slice(0, 80)}" is not NAME=KEY[+KEY]:POINTS/WINDOW (e.g. subject=route+subject:100/1s)`,
        );
      }
      const [, name, keys, points, amount, unit] = match as unknown as [
        string,
        string,
        string,
        string,
        string,
        keyof typeof UNIT_MS,
      ];
      const by = keys.split('+');
      const unknown = by.find((key) => !(RATE_LIMIT_KEYS as readonly string[]).includes(key));
      if (unknown !== undefined) {
        throw new ConfigError(
          `${variable}: rule ${name} keys by "${unknown}"; keys are ${RATE_LIMIT_KEYS.join(', ')}`,
        );
      }
      return {
        name,
        by: by as RateLimitRule['by'],
        points: Number(points),
        windowMs: Number(amount) * UNIT_MS[unit],
      };
    });
}
