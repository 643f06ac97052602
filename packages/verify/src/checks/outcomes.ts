import type { CheckOutcome } from './check.js';

/** A skip always states why; the reason is also its summary, so a one-line report is never blank. */
export function skipped(reason: string): CheckOutcome {
  return { status: 'skip', summary: reason, reason };
}

/** Ctrl-C or the run's deadline ended the check before it could judge. */
export function aborted(): CheckOutcome {
  return skipped('aborted before the check finished (Ctrl-C or the run deadline)');
}
