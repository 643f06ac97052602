import type { NpmAdvisory, NpmAuditReport, NpmVulnerability } from './npm-audit.js';
import { severityRank } from './severity.js';

/** One advisory against one package: what a dependency finding (and its waiver) names. */
export interface AdvisoryHit {
  /** `GHSA-xxxx-xxxx-xxxx:<package>`, or `<npm advisory number>:<package>` without a GHSA id. */
  readonly id: string;
  /** The advisory alone (`GHSA-…` or the npm number): a waiver naming it covers every package. */
  readonly advisory: string;
  readonly packageName: string;
  readonly title: string;
  readonly severity: string;
  /** The vulnerable versions, each range npm matched. */
  readonly ranges: readonly string[];
  readonly url?: string;
  /** `minimist@1.2.8`, `true` (npm can fix it, through a parent), or `false` (no fix). */
  readonly fix?: string | boolean;
}

const GHSA_ID = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/i;

/**
 * The (advisory, package) pairs in npm's report. npm lists a vulnerable package's advisories in
 * its `via`, next to plain names of the vulnerable packages it merely depends on: only the
 * advisories are findings (the dependents are consequences of them). One GHSA advisory can reach
 * npm as several numbered entries (one per vulnerable range): they are one finding.
 */
export function advisoryHits(report: NpmAuditReport): AdvisoryHit[] {
  const hits = new Map<string, AdvisoryHit>();
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via) {
      if (typeof via === 'string') continue;
      const hit = hitOf(via, report.vulnerabilities[via.name] ?? vulnerability);
      const seen = hits.get(hit.id);
      hits.set(hit.id, seen ? merged(seen, hit) : hit);
    }
  }
  return [...hits.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function hitOf(advisory: NpmAdvisory, vulnerability: NpmVulnerability): AdvisoryHit {
  const ghsa = GHSA_ID.exec(advisory.url ?? '')?.[0];
  // GitHub writes the prefix upper case and the rest lower case.
  const id = ghsa ? `GHSA${ghsa.slice(4).toLowerCase()}` : String(advisory.source);
  const fix = vulnerability.fixAvailable;
  return {
    id: `${id}:${advisory.name}`,
    advisory: id,
    packageName: advisory.name,
    title: advisory.title,
    severity: advisory.severity,
    ranges: advisory.range ? [advisory.range] : [],
    ...(advisory.url ? { url: advisory.url } : {}),
    ...(fix === undefined
      ? {}
      : { fix: typeof fix === 'object' ? `${fix.name}@${fix.version}` : fix }),
  };
}

function merged(a: AdvisoryHit, b: AdvisoryHit): AdvisoryHit {
  const worse = severityRank(b.severity) > severityRank(a.severity) ? b : a;
  return { ...worse, ranges: [...new Set([...a.ranges, ...b.ranges])] };
}
