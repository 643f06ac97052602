import picomatch from 'picomatch';
import type { AppliedWaiver, ReleaseFinding } from '../model.js';
import { judgeWaiver } from '../waivers/owned-waiver.js';
import type { BaselineEntry } from './baseline-file.js';
import {
  locationText,
  type SecretFinding,
  type SecretGroup,
  type SecretLocation,
  secretMessage,
} from './secret-findings.js';
import { ruleShortName } from './secret-labels.js';

export interface BaselineJudgement {
  readonly secrets: SecretFinding[];
  /** Unusable entries (failing) and, when `reportStale`, entries that matched nothing (warning). */
  readonly entries: ReleaseFinding[];
}

interface UsableEntry {
  readonly entry: BaselineEntry;
  readonly applied: AppliedWaiver;
  readonly coversPath: (path: string) => boolean;
  used: boolean;
}

function coversRule(entry: BaselineEntry, rule: string): boolean {
  return entry.rule === undefined || entry.rule === rule || entry.rule === ruleShortName(rule);
}

/**
 * Applies the baseline: a secret is waived when usable entries for its id cover every place it
 * is. An entry missing owner, reason or expiry, or past its expiry, waives nothing and is itself
 * a failing finding; a usable entry that matched no secret is a stale one to remove.
 */
export function judgeBaseline(
  groups: readonly SecretGroup[],
  baseline: readonly BaselineEntry[],
  options: { now: Date; warningDays?: number; reportStale: boolean },
): BaselineJudgement {
  const entries: ReleaseFinding[] = [];
  const usable: UsableEntry[] = [];
  for (const entry of baseline) {
    const findingId = `baseline/${entry.id || entry.location}`;
    if (!entry.id) {
      entries.push({
        id: findingId,
        message: `secrets baseline entry at ${entry.location} has no id: it waives nothing`,
        location: entry.location,
      });
      continue;
    }
    const judgement = judgeWaiver(entry, options.now, options.warningDays);
    if (!judgement.usable) {
      entries.push({ id: findingId, message: judgement.problem, location: entry.location });
      continue;
    }
    const pattern = entry.path;
    const coversPath = pattern === undefined ? () => true : picomatch(pattern, { dot: true });
    usable.push({ entry, applied: judgement.applied, coversPath, used: false });
  }

  const secrets = groups.map((group): SecretFinding => {
    const candidates = usable.filter(
      (waiver) => waiver.entry.id === group.id && coversRule(waiver.entry, group.rule),
    );
    const coverOf = (location: SecretLocation) =>
      candidates.find((waiver) => waiver.coversPath(location.path));
    const covering = group.locations.map(coverOf);
    for (const waiver of covering) if (waiver) waiver.used = true;
    const uncovered = group.locations.filter((_, index) => covering[index] === undefined);
    const first = uncovered[0] ?? group.locations[0];
    const location = first ? locationText(first) : undefined;
    const where = { rule: group.rule, locations: group.locations };
    if (uncovered.length > 0) {
      return { id: group.id, message: secretMessage(group, uncovered), location, ...where };
    }
    // An expiring entry among them is the one to show: it is what the warning is about.
    const shown = covering.find((waiver) => waiver?.applied.state === 'expiring') ?? covering[0];
    return {
      id: group.id,
      message: secretMessage(group, group.locations),
      location,
      ...where,
      waived: shown?.applied,
    };
  });

  if (options.reportStale) {
    for (const waiver of usable.filter((candidate) => !candidate.used)) {
      entries.push({
        id: `baseline/${waiver.entry.id}`,
        message: `stale secrets baseline entry ${waiver.entry.id} (${waiver.entry.location}) matches no secret: remove it`,
        location: waiver.entry.location,
        warning: true,
      });
    }
  }
  return { secrets, entries };
}
