import { ENDPOINTS } from '@bulwark/kit/contract';
import type { PlanService } from '../../plan/schema.js';
import type { CheckContext } from '../check.js';
import { jsonObjectOf } from './answer.js';
import type { HttpProbeClient } from './http.js';
import { endpointUrl } from './probe-checks.js';
import { loadServiceAccess, type ServiceAccess } from './service-access.js';

/** A service check was run without a service: the runner's mistake, recorded as `error`. */
export class MissingServiceError extends Error {
  readonly code = 'BW_CHECK_NO_SERVICE';
}

/** What a live check talks to: the service, its base URL, the run's client and abort signal. */
export interface ServiceTarget {
  readonly service: PlanService;
  readonly base: URL;
  /**
   * The run's client as this service needs it: its TLS trust, and its credentials on every
   * request but the contract's probes (a request may say `credentials: 'none'` or `'service'`).
   */
  readonly client: HttpProbeClient;
  /** The credentials and trust in use, described for evidence (file names, never contents). */
  readonly access: ServiceAccess;
  readonly signal: AbortSignal;
  /** `<base path><path>` as a URL: the contract's paths are appended to the base's path. */
  url(path: string): URL;
}

export function serviceTarget(checkId: string, ctx: CheckContext): ServiceTarget {
  const service = ctx.service;
  if (!service) throw new MissingServiceError(`${checkId} runs against a service; none was given`);
  return createServiceTarget(service, {
    client: ctx.shared.http,
    baseDir: ctx.planDir,
    signal: ctx.signal,
  });
}

export interface ServiceTargetOptions {
  /** The run's client; the target's is derived from it with the service's trust and credentials. */
  readonly client: HttpProbeClient;
  /** Relative CA and credential files resolve against this (the plan's directory). */
  readonly baseDir: string;
  readonly signal: AbortSignal;
}

/**
 * A target for any service, planned or not (`bulwark probe` builds one from its flags). Reads
 * the service's CA and credential files now, so a missing file is one clear error up front
 * (ServiceAccessError) rather than a puzzling 401 later.
 */
export function createServiceTarget(
  service: PlanService,
  options: ServiceTargetOptions,
): ServiceTarget {
  const base = new URL(service.url);
  const access = loadServiceAccess(service, base, options.baseDir);
  return {
    service,
    base,
    client: options.client.forService(access.client),
    access,
    signal: options.signal,
    url: (path) => endpointUrl(base, path),
  };
}

/** A kit health document is small; anything past this is not one. */
const HEALTH_BODY_LIMIT = 1_048_576;

/**
 * The version the service reports in its /health document (the kit puts its configured
 * version there), or undefined when it says none. Evidence names what was checked.
 */
export async function targetVersionOf(target: ServiceTarget): Promise<string | undefined> {
  const exchange = await target.client.get(target.url(ENDPOINTS.health), {
    maxBodyBytes: HEALTH_BODY_LIMIT,
    signal: target.signal,
  });
  if (exchange.kind !== 'answer') return undefined;
  return versionIn(exchange.body);
}

/** `version` from a health document's text. */
export function versionIn(healthBody: string): string | undefined {
  const version = jsonObjectOf(healthBody)?.version;
  return typeof version === 'string' && version !== '' ? version.slice(0, 200) : undefined;
}
