import { randomBytes } from 'node:crypto';
import type { CheckContext, CheckOutcome, Measurements } from '../check.js';
import { aborted } from '../outcomes.js';
import { headerOf } from './answer.js';
import type { Answer } from './http.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from './service-target.js';

/**
 * What a live security check needs, whoever runs it: `bulwark verify` builds it from the plan's
 * service (`liveRun`), `bulwark probe` from its flags. The checks take this rather than a
 * CheckContext so the two commands judge a service with one implementation.
 */
export interface LiveRun {
  readonly target: ServiceTarget;
  readonly progress: (message: string) => void;
  readonly now: () => Date;
}

export function liveRun(checkId: string, ctx: CheckContext): LiveRun {
  return { target: serviceTarget(checkId, ctx), progress: ctx.progress, now: ctx.now };
}

/**
 * Runs a check's judgement for the verify plugin: aborted runs become a skip, and the outcome
 * names the version the target reports, as the other live checks do.
 */
export async function judgeWithVersion(
  run: LiveRun,
  judge: (run: LiveRun) => Promise<CheckOutcome>,
): Promise<CheckOutcome> {
  const outcome = await judge(run);
  if (run.target.signal.aborted) return aborted();
  if (outcome.status === 'skip') return outcome;
  const version = await targetVersionOf(run.target);
  return version === undefined ? outcome : { ...outcome, targetVersion: version };
}

/** A path no service routes, different every run, so no cache or handler can have it. */
export function unknownPath(): string {
  return `/bulwark-verify-no-such-path-${randomBytes(6).toString('hex')}`;
}

/** Error bodies are small; a megabyte error page is a fault in itself. */
export const ERROR_BODY_LIMIT = 1_048_576;
/** Error bodies kept as evidence are cut here. */
export const ERROR_ARTIFACT_LIMIT = 16_384;

export type Figures = Record<string, Measurements[string]>;

/** The evidence's words for the credentials in use: file names, never contents. */
export function credentialsNote(target: ServiceTarget): string {
  const used = target.access.described.filter(
    (d) => !d.startsWith('CA ') && !d.startsWith('server name'),
  );
  return used.length > 0 ? used.join('; ') : 'none in the plan';
}

/** The response headers a security review reads, and only those (never request headers). */
const EVIDENCE_HEADERS = [
  'content-type',
  'www-authenticate',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'location',
  'strict-transport-security',
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'x-powered-by',
  'x-request-id',
] as const;

export function evidenceHeaders(answer: Answer): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of EVIDENCE_HEADERS) {
    const value = headerOf(answer, name);
    if (value !== undefined) kept[name] = value.slice(0, 2000);
  }
  return kept;
}

/** Where a piece of text shows up in an answer: its body or a header's value. */
export function echoedIn(answer: Answer, text: string): string | undefined {
  const needle = text.toLowerCase();
  if (answer.body.toLowerCase().includes(needle)) return 'the body';
  for (const [name, value] of Object.entries(answer.headers)) {
    const values = Array.isArray(value) ? value : [value ?? ''];
    if (values.some((v) => v.toLowerCase().includes(needle))) return `the ${name} header`;
  }
  return undefined;
}
