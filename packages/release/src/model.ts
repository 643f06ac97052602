/**
 * What every release check returns. `bulwark release check` runs them in order and the release is
 * blocked when any of them fails; warnings (a waiver about to expire) never block.
 */
export const RELEASE_CHECKS = [
  'tree',
  'version',
  'secrets',
  'dependencies',
  'sbom',
  'images',
  'evidence',
] as const;
export type ReleaseCheckName = (typeof RELEASE_CHECKS)[number];

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** An accepted exception that covered a finding: who owns it, why, until when. */
export interface AppliedWaiver {
  readonly owner: string;
  readonly reason: string;
  readonly expires: string;
  /** `expiring` when it ends within the warning window. */
  readonly state: 'active' | 'expiring';
}

export interface ReleaseFinding {
  /**
   * Stable across runs: what a waiver or baseline entry names (a secret's fingerprint, an
   * advisory's GHSA id and package, an image reference, a file path).
   */
  readonly id: string;
  /** One line a person can act on. */
  readonly message: string;
  /** Where: `path:line`, `commit:path`, a package name. */
  readonly location?: string;
  /** Set when a waiver covers the finding: it is reported, and it does not block. */
  readonly waived?: AppliedWaiver;
  /** A finding that only warns (an expiring waiver, a moderate advisory). */
  readonly warning?: boolean;
}

export interface ReleaseCheckResult {
  readonly check: ReleaseCheckName;
  readonly status: CheckStatus;
  /** One line: what was checked and what was found. */
  readonly summary: string;
  readonly findings: readonly ReleaseFinding[];
  /** Files the check wrote (the SBOM), relative to the repository. */
  readonly artifacts?: readonly string[];
}

/** The status a list of findings earns: unwaived, non-warning findings fail. */
export function statusOf(findings: readonly ReleaseFinding[]): CheckStatus {
  if (findings.some((f) => !f.waived && !f.warning)) return 'fail';
  if (findings.some((f) => f.warning || f.waived?.state === 'expiring')) return 'warn';
  return 'pass';
}
