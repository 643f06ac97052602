import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { CheckOutcome } from '../check.js';
import { AuthEnforcedParams, judgeAuthEnforced } from './auth-enforced.js';
import { ErrorsSanitizedParams, judgeErrorsSanitized } from './errors-sanitized.js';
import { HeadersSecurityParams, judgeHeadersSecurity } from './headers-security.js';
import type { LiveRun } from './live-check.js';
import type { ProbeCheckId, ProbeCheckResult } from './probe-checks.js';
import { judgeRatelimitEnforced, RatelimitEnforcedParams } from './ratelimit-enforced.js';
import type { ServiceTarget } from './service-target.js';
import { judgeTlsCertificate, TlsCertificateParams } from './tls-certificate.js';
import { judgeTlsRedirect } from './tls-redirect.js';

export interface SecurityProbeOptions {
  /** An API route of the service: auth asks it, the malformed body goes to it (/v1/items). */
  readonly apiPath?: string;
  /** Check that the API path refuses missing and wrong credentials. */
  readonly auth: boolean;
  /** Burst this path until a 429; no rate-limit check without it. */
  readonly rateLimitPath?: string;
  /** A plain-HTTP address that must redirect to the target; no redirect check without it. */
  readonly redirectFrom?: string;
  readonly progress: (message: string) => void;
  readonly now?: () => Date;
}

/**
 * The security checks `bulwark probe` adds after the contract's, the same judgements as
 * `bulwark verify`'s plugins with their default parameters: tls on https, headers, errors, and
 * auth, ratelimit and redirect when asked. A throw from a check (it broke, not the target)
 * becomes a failed result naming it, so one check cannot take the others down.
 */
export async function runSecurityProbeChecks(
  target: ServiceTarget,
  options: SecurityProbeOptions,
): Promise<ProbeCheckResult[]> {
  const run: LiveRun = {
    target,
    progress: options.progress,
    now: options.now ?? (() => new Date()),
  };
  const apiPath = options.apiPath === undefined ? {} : { path: options.apiPath };
  const checks: Array<[ProbeCheckId, () => Promise<CheckOutcome>]> = [];
  if (target.base.protocol === 'https:') {
    checks.push(['tls', () => judgeTlsCertificate(defaults(TlsCertificateParams, {}), run)]);
  }
  checks.push(['headers', () => judgeHeadersSecurity(defaults(HeadersSecurityParams, {}), run)]);
  checks.push([
    'errors',
    () => judgeErrorsSanitized(defaults(ErrorsSanitizedParams, apiPath), run),
  ]);
  if (options.auth) {
    const paths = options.apiPath === undefined ? {} : { paths: [options.apiPath] };
    checks.push(['auth', () => judgeAuthEnforced(defaults(AuthEnforcedParams, paths), run)]);
  }
  if (options.rateLimitPath !== undefined) {
    const params = defaults(RatelimitEnforcedParams, { path: options.rateLimitPath });
    checks.push(['ratelimit', () => judgeRatelimitEnforced(params, run)]);
  }
  if (options.redirectFrom !== undefined) {
    const params = { url: options.redirectFrom, to: target.base.origin };
    const redirect = { client: target.client, signal: target.signal, progress: options.progress };
    checks.push(['redirect', () => judgeTlsRedirect(params, redirect)]);
  }
  const results: ProbeCheckResult[] = [];
  for (const [id, judge] of checks) {
    options.progress(id);
    results.push(await probeResult(id, judge));
  }
  return results;
}

/** A check's parameters with its schema's documented defaults, as a plan binding gets them. */
function defaults<T extends TSchema>(schema: T, given: Partial<Static<T>>): Static<T> {
  return Value.Default(schema, structuredClone(given)) as Static<T>;
}

async function probeResult(
  id: ProbeCheckId,
  judge: () => Promise<CheckOutcome>,
): Promise<ProbeCheckResult> {
  let outcome: CheckOutcome;
  try {
    outcome = await judge();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      id,
      ok: false,
      status: 'fail',
      detail: `the check itself failed: ${message.split('\n')[0]}`,
      measurements: {},
    };
  }
  const status = outcome.status === 'error' ? 'fail' : outcome.status;
  return {
    id,
    ok: status === 'pass' || status === 'warn',
    status,
    detail: outcome.summary,
    measurements: outcome.measurements ?? {},
  };
}
