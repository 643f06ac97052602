import type { ProbeCheckResult as CheckResult } from '@bulwark/verify';
import { EXIT, type ExitCode } from '../exit-codes.js';

/** Bumped only when a field changes meaning or goes away; new fields keep the version. */
export const REPORT_VERSION = 1;

/** One check's verdict; the checks themselves are @bulwark/verify's, shared with `bulwark verify`. */
export type {
  ProbeCheckId as CheckId,
  ProbeCheckResult as CheckResult,
  ProbeMeasurements as Measurements,
} from '@bulwark/verify';

export interface TargetReport {
  readonly url: string;
  /** False when nothing speaking HTTP answered at all; then only the reachable check is listed. */
  readonly reachable: boolean;
  readonly checks: readonly CheckResult[];
}

/** The `--format json` document. */
export interface ProbeReport {
  readonly version: typeof REPORT_VERSION;
  readonly targets: readonly TargetReport[];
  readonly ok: boolean;
}

export function buildReport(targets: readonly TargetReport[]): ProbeReport {
  return {
    version: REPORT_VERSION,
    targets,
    ok: targets.every((t) => t.reachable && t.checks.every((c) => c.ok)),
  };
}

/** 2 if any target was unreachable, else 1 if any check failed, else 0. */
export function exitCodeOf(report: ProbeReport): ExitCode {
  if (report.targets.some((t) => !t.reachable)) return EXIT.usage;
  return report.ok ? EXIT.ok : EXIT.checksFailed;
}
