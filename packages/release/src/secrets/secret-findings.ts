import type { ReleaseFinding } from '../model.js';
import { maskSecret, secretFingerprint } from './fingerprint.js';
import type { SecretSighting } from './scan-limits.js';
import { secretLabel } from './secret-labels.js';

/** One place a secret is: a file of the tree, or (with `commit`) the commit that added it. */
export interface SecretLocation {
  readonly path: string;
  readonly line: number;
  /** Set when the secret is only in the history: the commit that introduced it there. */
  readonly commit?: string;
}

/** A secret found by the scan: one fingerprint, every place it is. Never carries the value. */
export interface SecretFinding extends ReleaseFinding {
  /** The secretlint rule that found it (what a baseline entry's `rule` names). */
  readonly rule: string;
  readonly locations: readonly SecretLocation[];
}

export function isSecretFinding(finding: ReleaseFinding): finding is SecretFinding {
  const candidate = finding as Partial<SecretFinding>;
  return typeof candidate.rule === 'string' && Array.isArray(candidate.locations);
}

/** The sightings of one secret, before the baseline is applied. */
export interface SecretGroup {
  readonly id: string;
  readonly rule: string;
  readonly kind: string;
  /** At most a short prefix (`bwk_0123…`): all that is kept of the value. */
  readonly masked: string;
  /** Tree locations when the secret is in the tree, else its history locations. */
  readonly locations: SecretLocation[];
  readonly historyOnly: boolean;
}

export function locationText(location: SecretLocation): string {
  const place = `${location.path}:${location.line}`;
  return location.commit ? `${location.commit}:${place}` : place;
}

/**
 * Folds sightings into one group per fingerprint. A secret in the tree is reported at its tree
 * locations (its older copies add nothing to act on); one only in history at the blobs it is in,
 * each resolved by `introducedBy` to the commit that added it.
 */
export function groupSightings(
  tree: readonly SecretSighting[],
  history: readonly SecretSighting[],
  introducedBy: (blob: string) => { commit: string; path: string } | undefined,
): SecretGroup[] {
  const groups = new Map<string, SecretGroup>();
  const place = (sighting: SecretSighting, location: SecretLocation, historyOnly: boolean) => {
    const id = secretFingerprint(sighting.rule, sighting.value);
    let group = groups.get(id);
    if (group === undefined) {
      group = {
        id,
        rule: sighting.rule,
        kind: sighting.kind,
        masked: maskSecret(sighting.value),
        locations: [],
        historyOnly,
      };
      groups.set(id, group);
    } else if (group.historyOnly !== historyOnly) {
      return;
    }
    const text = locationText(location);
    if (!group.locations.some((known) => locationText(known) === text)) {
      group.locations.push(location);
    }
  };
  for (const sighting of tree) place(sighting, { path: sighting.path, line: sighting.line }, false);
  for (const sighting of history) {
    const introduced = sighting.blob === undefined ? undefined : introducedBy(sighting.blob);
    place(
      sighting,
      {
        path: introduced?.path ?? sighting.path,
        line: sighting.line,
        ...(introduced ? { commit: introduced.commit } : {}),
      },
      true,
    );
  }
  return [...groups.values()];
}

/** One line for a secret at `locations` (the ones that still need acting on). */
export function secretMessage(group: SecretGroup, locations: readonly SecretLocation[]): string {
  const [first] = locations;
  const label = `${secretLabel(group.rule, group.kind)} (${group.masked})`;
  const more = locations.length > 1 ? ` and ${locations.length - 1} more` : '';
  if (first === undefined) return label;
  if (!group.historyOnly) return `${label} in ${first.path}:${first.line}${more}`;
  const commit = first.commit ? `commit ${first.commit.slice(0, 12)}` : 'an unknown commit';
  return (
    `${label} in the history only, added by ${commit} at ${first.path}:${first.line}${more}: ` +
    'rotate it, since deleting it did not unpublish it'
  );
}
