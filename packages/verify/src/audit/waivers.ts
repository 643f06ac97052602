import { existsSync, readFileSync } from 'node:fs';
import { controlById } from './catalogue.js';
import {
  type AppliedWaiver,
  type Finding,
  isIsoDate,
  type Location,
  type RawFinding,
} from './model.js';
import { isObject, locate, metaOf, parseYamlStream } from './yaml-tree.js';

/**
 * Waivers: accepted, owned, time-boxed exceptions. They come from the reviewed waivers file
 * (`.bulwark/waivers.yaml`), from inline `# bulwark-waive` comments, and from the
 * `bulwark.dev/waive` annotation on a Kubernetes object. A waiver missing any of control, target,
 * owner, reason and expiry is itself a finding and waives nothing; so is an expired one.
 */
export interface Waiver {
  readonly control?: string;
  /** `FILE`, `RESOURCE` or `FILE#RESOURCE`; `*` matches any run of characters. */
  readonly target?: string;
  /** Optional: only findings whose path starts with this. */
  readonly path?: string;
  readonly owner?: string;
  readonly reason?: string;
  readonly expires?: string;
  readonly source: AppliedWaiver['source'];
  readonly location: Location;
}

export interface WaiverPolicy {
  /** When false, a `bulwark.dev/waive` annotation cannot waive the object's own findings. */
  readonly allowAnnotationWaivers: boolean;
  readonly allowInlineWaivers: boolean;
  /** A waiver expiring within this many days warns. */
  readonly expiryWarningDays: number;
}

export const DEFAULT_POLICY: WaiverPolicy = {
  allowAnnotationWaivers: true,
  allowInlineWaivers: true,
  expiryWarningDays: 14,
};

export const WAIVER_ANNOTATION = 'bulwark.dev/waive';
const INLINE_MARKER = /(?:^|\s)#\s*bulwark-waive\s+(.*)$/;

export interface WaiversFile {
  readonly waivers: Waiver[];
  readonly policy: WaiverPolicy;
  readonly errors: RawFinding[];
}

export class WaiversFileError extends Error {
  readonly code = 'BW_WAIVERS_UNREADABLE';
}

export function loadWaiversFile(path: string, displayPath: string): WaiversFile {
  if (!existsSync(path)) return { waivers: [], policy: DEFAULT_POLICY, errors: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WaiversFileError(
      `cannot read waivers file ${displayPath}: ${(error as Error).message}`,
    );
  }
  const [doc] = parseYamlStream(text, displayPath);
  const start: Location = { file: displayPath, line: 1, column: 1 };
  if (!doc) return { waivers: [], policy: DEFAULT_POLICY, errors: [] };
  if (doc.errors.length > 0) {
    const error = doc.errors[0] as { message: string; location: Location };
    return {
      waivers: [],
      policy: DEFAULT_POLICY,
      errors: [
        {
          controlId: 'BW-INPUT-MALFORMED',
          resource: 'waivers',
          path: '',
          message: error.message,
          location: error.location,
        },
      ],
    };
  }
  const root = isObject(doc.value) ? doc.value : {};
  const policyValue = isObject(root.policy) ? root.policy : {};
  const policy: WaiverPolicy = {
    allowAnnotationWaivers:
      typeof policyValue.allowAnnotationWaivers === 'boolean'
        ? policyValue.allowAnnotationWaivers
        : DEFAULT_POLICY.allowAnnotationWaivers,
    allowInlineWaivers:
      typeof policyValue.allowInlineWaivers === 'boolean'
        ? policyValue.allowInlineWaivers
        : DEFAULT_POLICY.allowInlineWaivers,
    expiryWarningDays:
      typeof policyValue.expiryWarningDays === 'number'
        ? policyValue.expiryWarningDays
        : DEFAULT_POLICY.expiryWarningDays,
  };
  const list = Array.isArray(root.waivers) ? root.waivers : [];
  const listMeta = metaOf(list);
  const waivers = list.map((entry, index): Waiver => {
    const value = isObject(entry) ? entry : {};
    const text = (key: string) =>
      value[key] === undefined || value[key] === null ? undefined : String(value[key]);
    return {
      control: text('control'),
      target: text('target'),
      path: text('path'),
      owner: text('owner'),
      reason: text('reason'),
      // A bare YAML date may arrive as a string; keep only the date part either way.
      expires:
        value.expires instanceof Date ? value.expires.toISOString().slice(0, 10) : text('expires'),
      source: 'file',
      location: listMeta?.keys.get(index) ?? locate(root, ['waivers'], start),
    };
  });
  return { waivers, policy, errors: [] };
}

/** Parses `BW-ID owner=x expires=2026-12-31 reason="why"` (the body of an inline comment or annotation line). */
export function parseWaiverSpec(
  spec: string,
  target: string,
  source: AppliedWaiver['source'],
  location: Location,
): Waiver {
  const fields: Record<string, string> = {};
  const control = /^\s*(BW-[A-Z0-9-]+)/.exec(spec)?.[1];
  for (const match of spec.matchAll(/(\w+)=(?:"([^"]*)"|'([^']*)'|(\S+))/g)) {
    fields[match[1] as string] = match[2] ?? match[3] ?? match[4] ?? '';
  }
  return {
    control,
    target,
    path: fields.path,
    owner: fields.owner,
    reason: fields.reason,
    expires: fields.expires,
    source,
    location,
  };
}

/** A resource's line span in a file, used to attach an inline comment to the resource it annotates. */
export interface ResourceSpan {
  readonly file: string;
  readonly resource: string;
  readonly startLine: number;
  readonly endLine: number;
}

/**
 * Inline `# bulwark-waive` comments. A comment inside a resource (a Kubernetes document, a compose
 * service) waives that resource; one above it waives the next resource; with no resources in the
 * file (a Dockerfile) it waives the file.
 */
export function inlineWaivers(
  text: string,
  file: string,
  spans: readonly ResourceSpan[],
): Waiver[] {
  const waivers: Waiver[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const match = INLINE_MARKER.exec(line);
    if (!match) return;
    const lineNumber = index + 1;
    const inside = spans
      .filter((span) => span.startLine <= lineNumber && lineNumber <= span.endLine)
      .sort((a, b) => b.startLine - a.startLine)[0];
    const after = spans
      .filter((span) => span.startLine > lineNumber)
      .sort((a, b) => a.startLine - b.startLine)[0];
    const span = inside ?? after;
    const target = span ? `${file}#${span.resource}` : file;
    const column = line.indexOf('#') + 1;
    waivers.push(
      parseWaiverSpec(match[1] ?? '', target, 'inline', { file, line: lineNumber, column }),
    );
  });
  return waivers;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function targets(waiver: Waiver, finding: RawFinding): boolean {
  const target = waiver.target ?? '';
  const pattern = globToRegExp(target);
  const file = finding.location.file;
  const candidates = [file, finding.resource, `${file}#${finding.resource}`];
  if (!candidates.some((candidate) => pattern.test(candidate))) return false;
  return waiver.path === undefined || finding.path.startsWith(waiver.path);
}

export interface WaiverOutcome {
  readonly findings: Finding[];
  /** Findings about the waivers themselves: incomplete, expired, expiring, self-exempting. */
  readonly waiverFindings: RawFinding[];
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Validates the waivers, then attaches the first valid one to each finding it covers. */
export function applyWaivers(
  findings: readonly Finding[],
  waivers: readonly Waiver[],
  policy: WaiverPolicy,
  today: string,
): WaiverOutcome {
  const waiverFindings: RawFinding[] = [];
  const usable: Waiver[] = [];
  const report = (controlId: string, waiver: Waiver, message: string) =>
    waiverFindings.push({
      controlId,
      resource: `waiver ${waiver.control ?? '(no control)'} ${waiver.target ?? ''}`.trim(),
      path: '',
      message,
      location: waiver.location,
    });
  for (const waiver of waivers) {
    if (waiver.source === 'annotation' && !policy.allowAnnotationWaivers) {
      report(
        'BW-WAIVER-SELF-EXEMPT',
        waiver,
        `policy forbids waivers in the ${WAIVER_ANNOTATION} annotation; ${waiver.control ?? 'the waiver'} is not applied`,
      );
      continue;
    }
    if (waiver.source === 'inline' && !policy.allowInlineWaivers) {
      report(
        'BW-WAIVER-SELF-EXEMPT',
        waiver,
        `policy forbids inline waivers; ${waiver.control ?? 'the waiver'} is not applied`,
      );
      continue;
    }
    const missing = (['control', 'target', 'owner', 'reason', 'expires'] as const).filter(
      (field) => !waiver[field] || String(waiver[field]).trim() === '',
    );
    const problems = missing.length > 0 ? [`missing ${missing.join(', ')}`] : [];
    if (waiver.control && !controlById(waiver.control))
      problems.push(`unknown control ${waiver.control}`);
    if (waiver.expires && !isIsoDate(waiver.expires)) {
      problems.push(`expiry ${waiver.expires} is not a YYYY-MM-DD date`);
    }
    if (problems.length > 0) {
      report('BW-WAIVER-INVALID', waiver, `waiver is incomplete: ${problems.join('; ')}`);
      continue;
    }
    const remaining = daysBetween(today, waiver.expires as string);
    if (remaining < 0) {
      report(
        'BW-WAIVER-EXPIRED',
        waiver,
        `waiver owned by ${waiver.owner} expired on ${waiver.expires}`,
      );
      continue;
    }
    if (remaining <= policy.expiryWarningDays) {
      report(
        'BW-WAIVER-EXPIRING',
        waiver,
        `waiver owned by ${waiver.owner} expires on ${waiver.expires} (in ${remaining} days)`,
      );
    }
    usable.push(waiver);
  }
  const applied = findings.map((finding): Finding => {
    const waiver = usable.find(
      (candidate) => candidate.control === finding.controlId && targets(candidate, finding),
    );
    if (!waiver) return finding;
    return {
      ...finding,
      waiver: {
        owner: waiver.owner as string,
        reason: waiver.reason as string,
        expires: waiver.expires as string,
        source: waiver.source,
        location: waiver.location,
      },
    };
  });
  return { findings: applied, waiverFindings };
}
