/** Stable exit codes, the same for every command. */
export const EXIT = {
  /** Every check passed. */
  ok: 0,
  /** The command ran and at least one check failed. */
  checksFailed: 1,
  /** Bad usage, unreadable input, or a target that could not be reached at all. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose one-line message is the whole story for the user; exits 2. */
export class UsageError extends Error {
  readonly exitCode: ExitCode = EXIT.usage;
}

/** A refusal whose cause is in what was checked (a no-go gate), not the command line; exits 1. */
export class ChecksFailedError extends Error {
  readonly exitCode: ExitCode = EXIT.checksFailed;
}
