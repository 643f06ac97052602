import { relative } from 'node:path';
import type { ReleaseCheckResult, ReleaseFinding } from '../model.js';
import { statusOf } from '../model.js';
import { judgeWaiver, type OwnedWaiver, type WaiverJudgement } from '../waivers/owned-waiver.js';
import { type AdvisoryHit, advisoryHits } from './advisory-hits.js';
import { readDependencyWaivers } from './dependency-waivers.js';
import { runNpmAudit } from './npm-audit.js';
import { type BlockingSeverity, isAtLeast } from './severity.js';

export interface ScanDependenciesOptions {
  /** The directory holding package-lock.json (the repository root). */
  readonly root: string;
  /** The waivers file, absolute; missing means no waivers. */
  readonly waiversFile: string;
  /** Advisories at or above this severity block; below it they warn. */
  readonly failOn: BlockingSeverity;
  /** Leave devDependencies out (they do not ship). */
  readonly omitDev: boolean;
  /** The registry whose advisory endpoint npm asks; npm's configured one when absent. */
  readonly registry?: string;
  /** When the advisory service cannot be asked, warn instead of failing. */
  readonly allowUnreachable: boolean;
  readonly now: Date;
  /** A waiver ending within this many days warns. */
  readonly warningDays?: number;
}

interface JudgedWaiver {
  readonly waiver: OwnedWaiver;
  readonly judgement: WaiverJudgement;
}

export const UNREACHABLE_FINDING_ID = 'advisory-service-unreachable';

/**
 * The release's dependency scan (check `dependencies`): the real `npm audit` against the
 * lockfile, one finding per advisory and package, waived by owned, time-boxed waivers. When the
 * advisory service cannot be asked the scan did not happen, and the result says so: a failing
 * finding, or a warning when the caller allows releasing without the scan. It never passes
 * silently.
 */
export async function scanDependencies(
  options: ScanDependenciesOptions,
): Promise<ReleaseCheckResult> {
  const waiversPath = relative(options.root, options.waiversFile) || options.waiversFile;
  const judged: JudgedWaiver[] = (
    await readDependencyWaivers(options.waiversFile, waiversPath)
  ).map((waiver) => ({
    waiver,
    judgement: judgeWaiver(waiver, options.now, options.warningDays),
  }));
  const waiverProblems = judged.flatMap(({ waiver, judgement }) =>
    judgement.usable ? [] : [waiverFinding(waiver, judgement.problem, false)],
  );

  const outcome = await runNpmAudit({
    root: options.root,
    omitDev: options.omitDev,
    ...(options.registry ? { registry: options.registry } : {}),
  });
  if (outcome.kind === 'unreachable') {
    const findings: ReleaseFinding[] = [
      {
        id: UNREACHABLE_FINDING_ID,
        message: `advisory service unreachable (${outcome.cause}): the dependency scan did not run`,
        ...(options.allowUnreachable ? { warning: true } : {}),
      },
      ...waiverProblems,
    ];
    return {
      check: 'dependencies',
      status: statusOf(findings),
      summary: `npm audit could not ask the advisory service: dependencies not scanned${
        options.allowUnreachable ? ' (allowed)' : ''
      }`,
      findings,
    };
  }

  const hits = advisoryHits(outcome.report);
  const matched = new Set<JudgedWaiver>();
  const advisoryFindings = hits.map((hit) => {
    const covering = judged.filter(({ waiver }) => covers(waiver.id, hit));
    for (const entry of covering) matched.add(entry);
    // The waiver naming the package wins over one naming the whole advisory.
    const usable = covering
      .sort((a, b) => specificity(b.waiver.id) - specificity(a.waiver.id))
      .find(({ judgement }) => judgement.usable);
    return advisoryFinding(
      hit,
      options.failOn,
      usable?.judgement.usable ? usable.judgement.applied : undefined,
    );
  });
  const stale = judged
    .filter((entry) => entry.judgement.usable && !matched.has(entry))
    .map(({ waiver }) =>
      waiverFinding(
        waiver,
        `waiver for ${waiver.id}${at(waiver)} matches no advisory: remove it`,
        true,
      ),
    );
  const findings = [...advisoryFindings, ...waiverProblems, ...stale];
  return {
    check: 'dependencies',
    status: statusOf(findings),
    summary: summaryOf(
      outcome.report.metadata?.dependencies?.total,
      hits,
      findings,
      options.failOn,
    ),
    findings,
  };
}

function covers(waiverId: string, hit: AdvisoryHit): boolean {
  const id = waiverId.toLowerCase();
  return id === hit.id.toLowerCase() || id === hit.advisory.toLowerCase();
}

function specificity(waiverId: string): number {
  return waiverId.includes(':') ? 1 : 0;
}

function advisoryFinding(
  hit: AdvisoryHit,
  failOn: BlockingSeverity,
  waived: ReleaseFinding['waived'],
): ReleaseFinding {
  const blocks = isAtLeast(hit.severity, failOn);
  const details = [
    hit.severity,
    hit.advisory,
    ...(hit.ranges.length > 0 ? [`vulnerable ${hit.ranges.join(' || ')}`] : []),
    ...(hit.fix === undefined ? [] : [fixText(hit.fix)]),
    ...(blocks ? [] : [`below ${failOn}: warns`]),
  ];
  return {
    id: hit.id,
    message: `${hit.packageName}: ${hit.title} (${details.join('; ')})`,
    location: hit.packageName,
    ...(waived ? { waived } : {}),
    ...(blocks ? {} : { warning: true }),
  };
}

function fixText(fix: string | boolean): string {
  if (fix === false) return 'no fix available';
  if (fix === true) return 'fix available (npm audit fix)';
  return `fixed in ${fix}`;
}

function waiverFinding(waiver: OwnedWaiver, problem: string, warning: boolean): ReleaseFinding {
  return {
    id: `waiver:${waiver.id}`,
    message: problem,
    ...(waiver.location ? { location: waiver.location } : {}),
    ...(warning ? { warning: true } : {}),
  };
}

function at(waiver: OwnedWaiver): string {
  return waiver.location ? ` (${waiver.location})` : '';
}

function summaryOf(
  packages: number | undefined,
  hits: readonly AdvisoryHit[],
  findings: readonly ReleaseFinding[],
  failOn: BlockingSeverity,
): string {
  const advisories = findings.filter((finding) => hits.some((hit) => hit.id === finding.id));
  const waived = advisories.filter((finding) => finding.waived).length;
  const blocking = advisories.filter((finding) => !finding.waived && !finding.warning).length;
  const below = advisories.filter((finding) => !finding.waived && finding.warning).length;
  const badWaivers = findings.length - advisories.length;
  const scanned = packages === undefined ? 'the lockfile' : count(packages, 'package');
  const parts = [
    `${blocking} blocking at ${failOn} or above`,
    `${waived} waived`,
    `${below} below ${failOn}`,
    ...(badWaivers > 0 ? [count(badWaivers, 'waiver problem')] : []),
  ];
  return `npm audit of ${scanned}: ${count(hits.length, 'advisory', 'advisories')} (${parts.join(', ')})`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
