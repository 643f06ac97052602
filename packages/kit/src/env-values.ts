import { ConfigError } from './errors.js';

/**
 * Reading one environment variable as a typed value, the same way in every service: unset or
 * empty means the default, anything unrecognized is a ConfigError naming the variable (a
 * misspelt "flase" must not quietly mean the default).
 */

/** A comma- or whitespace-separated list; unset or empty is none. */
export function envList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((item) => item !== '');
}

const ON = ['1', 'true', 'on', 'yes'];
const OFF = ['0', 'false', 'off', 'no'];

/** An on/off variable. */
export function envSwitch(name: string, value: string | undefined, fallback: boolean): boolean {
  const word = (value ?? '').trim().toLowerCase();
  if (word === '') return fallback;
  if (ON.includes(word)) return true;
  if (OFF.includes(word)) return false;
  throw new ConfigError(
    `${name} must be on or off (1/0, true/false), not ${JSON.stringify(value)}`,
  );
}

/** A whole number; range checks belong to the config's schema. */
export function envInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new ConfigError(`${name} must be a whole number, not ${JSON.stringify(value)}`);
  }
  return number;
}
