import type { CheckContext } from '../check.js';
import type { DrillCleanup } from './cleanup.js';
import type { LedgerTrust } from './restore-ledger.js';
import type { DrillRestoreParamsValue } from './restore-params.js';

/** What both methods of the restore drill work with. */
export interface RestoreRun {
  readonly ctx: CheckContext;
  readonly params: DrillRestoreParamsValue;
  readonly cleanup: DrillCleanup;
  /** The check's signal joined with the drill's deadline (`timeoutMs`). */
  readonly signal: AbortSignal;
  /** Parent directory of the drill's temporary files. */
  readonly workDir: string;
  readonly ledgerTrust: LedgerTrust;
}

/**
 * Runs `tasks` side by side; when one fails the others are stopped through their signal and
 * awaited, and the first real failure is thrown (not the "stopped" errors it caused).
 */
export async function allOrStop<T extends unknown[]>(
  signal: AbortSignal,
  tasks: { [K in keyof T]: (signal: AbortSignal) => Promise<T[K]> },
): Promise<T> {
  const stop = new AbortController();
  const joined = AbortSignal.any([signal, stop.signal]);
  let first: unknown;
  const running = tasks.map((task) =>
    task(joined).catch((error: unknown) => {
      first ??= error;
      stop.abort();
      throw error;
    }),
  );
  const settled = await Promise.allSettled(running);
  if (first !== undefined) throw first;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T;
}
