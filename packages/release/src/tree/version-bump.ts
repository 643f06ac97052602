import semver from 'semver';

export type NeededBump = 'major' | 'minor';

/**
 * The bump a breaking change needs after `previous`. From 1.0.0 on it is a major bump. Before 1.0.0
 * semver promises nothing ("anything may change at any time"), and npm's caret ranges treat the
 * minor as the breaking position (^0.1.0 accepts 0.1.x only), so a breaking change in 0.x needs
 * a minor bump: that is what keeps `^0.1.0` dependents from receiving it.
 */
export function bumpNeededForBreaking(previous: string): NeededBump {
  return semver.major(previous) >= 1 ? 'major' : 'minor';
}

/** Whether going from `previous` to `next` is at least the bump a breaking change needs. */
export function allowsBreaking(previous: string, next: string): boolean {
  const from = semver.parse(previous);
  const to = semver.parse(next);
  if (!from || !to) return false;
  // Finishing a prerelease (1.0.0-rc.1 → 1.0.0): prereleases promise nothing, the bump that
  // made the line (0.9.0 → 1.0.0-rc.1) is the one that counts.
  const sameLine = from.major === to.major && from.minor === to.minor && from.patch === to.patch;
  if (from.prerelease.length > 0 && sameLine) return true;
  if (from.major >= 1) return to.major > from.major;
  return to.major > 0 || to.minor > from.minor;
}

/** The smallest version that allows a breaking change after `previous` (0.1.4 → 0.2.0, 1.2.3 → 2.0.0). */
export function smallestBreakingVersion(previous: string): string {
  return semver.inc(previous, bumpNeededForBreaking(previous)) ?? previous;
}
