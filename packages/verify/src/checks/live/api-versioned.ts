import { type Static, Type } from '@sinclair/typebox';
import type { CheckPlugin, Measurements } from '../check.js';
import { aborted, skipped } from '../outcomes.js';
import { headerOf } from './answer.js';
import { jsonArtifact } from './evidence.js';
import { serviceTarget, targetVersionOf } from './service-target.js';

const PATH_SEGMENTS = '(/[A-Za-z0-9._~-]+)+';

export const ApiVersionedParams = Type.Object(
  {
    prefix: Type.String({ pattern: `^${PATH_SEGMENTS}$`, maxLength: 200, default: '/v1' }),
    /**
     * Resource paths of the API, under the prefix (`/items` for `/v1/items`; a path that already
     * starts with the prefix is taken as is). GET is sent to each.
     */
    paths: Type.Optional(
      Type.Array(Type.String({ pattern: '^/', maxLength: 2000 }), { minItems: 1, maxItems: 100 }),
    ),
  },
  { additionalProperties: false },
);
export type ApiVersionedParamsValue = Static<typeof ApiVersionedParams>;

/** Paths known without asking the plan: the ledger service's cheap read. */
const KNOWN_PATHS: Readonly<Record<string, readonly string[]>> = {
  ledger: ['/ledger/head'],
  'tool-gate': ['/gate'],
};
const BODY_LIMIT = 1_048_576;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * For each resource path: served under the prefix (any answer but 404: a 401, 403 or 405 still
 * shows the route exists) and not served without it (404 or 410, or a redirect into the prefix).
 *
 * Limits, stated plainly: the check knows only the paths it is given (or the ledger's own);
 * without an OpenAPI document or a route list it cannot find an unversioned route nobody named,
 * so with no paths it skips rather than pass on nothing. It sends GET only, so a path that takes
 * only POST is "routed" through its 405.
 */
export const apiVersionedCheck: CheckPlugin<ApiVersionedParamsValue> = {
  id: 'api.versioned',
  description: 'the API is served under a version prefix (/v1) and not unversioned',
  params: ApiVersionedParams,
  scope: 'service',
  kinds: ['http', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('api.versioned', ctx);
    const prefix = params.prefix.replace(/\/+$/, '');
    const resources = params.paths ?? KNOWN_PATHS[target.service.kind ?? 'http'];
    if (!resources) {
      return skipped(
        `no API paths to check on ${target.service.name}: list them in the binding, e.g. with: { paths: [/items] }`,
      );
    }
    const problems: string[] = [];
    const figures: Record<string, Measurements[string]> = { prefix };
    const seen: Record<string, unknown>[] = [];
    for (const resource of resources) {
      const bare = resource.startsWith(`${prefix}/`) ? resource.slice(prefix.length) : resource;
      const versioned = `${prefix}${bare}`;
      for (const [path, expectRouted] of [
        [versioned, true],
        [bare, false],
      ] as const) {
        ctx.progress(`GET ${path}`);
        const exchange = await target.client.get(target.url(path), {
          maxBodyBytes: BODY_LIMIT,
          signal: target.signal,
        });
        if (ctx.signal.aborted) return aborted();
        if (exchange.kind === 'failure') {
          problems.push(`GET ${path}: ${exchange.message}`);
          seen.push({ path, error: exchange.message });
          continue;
        }
        const location = headerOf(exchange, 'location');
        figures[`${path}.status`] = exchange.status;
        seen.push({ path, status: exchange.status, ...(location ? { location } : {}) });
        if (expectRouted && exchange.status === 404) {
          problems.push(`GET ${path}: 404, not served under ${prefix}`);
        }
        if (
          !expectRouted &&
          !unversionedRefused(exchange.status, location, target.url(versioned).pathname)
        ) {
          problems.push(`GET ${path}: ${exchange.status}, served without the ${prefix} prefix`);
        }
      }
    }
    const version = await targetVersionOf(target);
    const evidence = {
      measurements: figures,
      artifacts: [jsonArtifact('answers.json', seen)],
      ...(version === undefined ? {} : { targetVersion: version }),
    };
    if (problems.length > 0) return { status: 'fail', summary: problems.join('; '), ...evidence };
    return {
      status: 'pass',
      summary: `${resources.length} path${resources.length === 1 ? '' : 's'} served under ${prefix} and not without it`,
      ...evidence,
    };
  },
};

function unversionedRefused(
  status: number,
  location: string | undefined,
  versioned: string,
): boolean {
  if (status === 404 || status === 410) return true;
  if (!REDIRECTS.has(status) || location === undefined) return false;
  try {
    return new URL(location, 'http://x').pathname === versioned;
  } catch {
    return false;
  }
}
