import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** The first delay's ceiling (default 100 ms). */
  readonly initialMs?: number;
  /** No delay exceeds this (default 5 s). */
  readonly maxMs?: number;
}

/**
 * Exponential backoff with jitter for retry number `attempt` (0 first): a random delay in the
 * upper half of min(max, initial × 2^attempt), so restarted gates do not retry in step, and
 * none waits much less than the backoff intends. A loop this small needs no library
 * (cockatiel, the kit's planned choice, is not installed yet).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Waits `ms`, or less when `signal` aborts (resolving, not rejecting: stopping is no error). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
