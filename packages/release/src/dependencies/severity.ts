/** npm's advisory severities, least to most severe. */
export const ADVISORY_SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type AdvisorySeverity = (typeof ADVISORY_SEVERITIES)[number];

/** The severities a release can be configured to block at (`info` never blocks). */
export type BlockingSeverity = Exclude<AdvisorySeverity, 'info'>;

/**
 * A severity's rank, higher is worse. A severity npm adds later is unknown here and ranks above
 * critical: the scan fails closed rather than let it through as a warning.
 */
export function severityRank(severity: string): number {
  const rank = ADVISORY_SEVERITIES.indexOf(severity as AdvisorySeverity);
  return rank === -1 ? ADVISORY_SEVERITIES.length : rank;
}

/** Whether `severity` is at or above `threshold`. */
export function isAtLeast(severity: string, threshold: BlockingSeverity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}
