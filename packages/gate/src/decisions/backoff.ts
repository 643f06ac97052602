import { setTimeout as sleep } from 'node:timers/promises';

/** The shipper's retry delays (cockatiel's ExponentialBackoff, decorrelated jitter). */
export interface BackoffOptions {
  /** The first delay (default 100 ms). */
  readonly initialMs?: number;
  /** No delay exceeds this (default 5 s). */
  readonly maxMs?: number;
}

/** Waits `ms`, or less when `signal` aborts (resolving, not rejecting: stopping is no error). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
