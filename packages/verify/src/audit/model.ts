/** The vocabulary every part of the audit engine shares: formats, severities, locations, findings. */

export const FORMATS = ['kubernetes', 'compose', 'dockerfile'] as const;
export type Format = (typeof FORMATS)[number];

/** Ordered from least to most severe; `--fail-on` compares by this order. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** A real calendar date written YYYY-MM-DD: 2026-02-30 has the shape but is not a date. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

export const PROFILES = ['security', 'operability', 'all'] as const;
export type Profile = (typeof PROFILES)[number];

/** A 1-based position in a file, as editors and SARIF count. */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Who waived a finding, why, and until when. */
export interface AppliedWaiver {
  readonly owner: string;
  readonly reason: string;
  readonly expires: string;
  /** Where the waiver was declared: the waivers file, an inline comment or an annotation. */
  readonly source: 'file' | 'inline' | 'annotation';
  readonly location: Location;
}

export interface Finding {
  readonly controlId: string;
  readonly severity: Severity;
  readonly format: Format | 'waiver' | 'input';
  /** What the finding is about: `Deployment/prod/core-api`, `service/postgres`, `Dockerfile stage runtime`. */
  readonly resource: string;
  /** The dotted path of the offending key inside the resource, e.g. `spec.template.spec.hostNetwork`. */
  readonly path: string;
  readonly message: string;
  readonly location: Location;
  /** Stable across line moves: control, file and resource (findings are one per resource and control). */
  readonly fingerprint: string;
  readonly waiver?: AppliedWaiver;
}

/** What a check reports before the engine adds severity, fingerprint and waivers. */
export interface RawFinding {
  readonly controlId: string;
  readonly resource: string;
  readonly path: string;
  readonly message: string;
  readonly location: Location;
}
