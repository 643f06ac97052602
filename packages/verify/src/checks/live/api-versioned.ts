import { type Static, Type } from '@sinclair/typebox';
import type { CheckPlugin, Measurements } from '../check.js';
import { aborted, skipped } from '../outcomes.js';
import { headerOf, jsonObjectOf } from './answer.js';
import { jsonArtifact } from './evidence.js';
import { OPENAPI_PATH } from './openapi-contract.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from './service-target.js';

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

/** Paths known without asking the plan, for a ledger or tool gate that serves no OpenAPI document. */
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
 * With no paths given, the service's OpenAPI document (/openapi.json, which every kit service
 * serves) names them: a documented path outside the prefix fails at once, and the documented
 * paths without a template are asked. Without paths or a document it skips rather than pass on
 * nothing. It sends GET only, so a path that takes only POST is "routed" through its 405.
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
    const problems: string[] = [];
    let resources: readonly string[] | undefined = params.paths;
    if (!resources) {
      const documented = await documentedPaths(target);
      if (ctx.signal.aborted) return aborted();
      if (documented !== undefined) {
        for (const path of documented.filter((p) => !p.startsWith(`${prefix}/`))) {
          problems.push(`${path} (in its OpenAPI document) is not under ${prefix}`);
        }
        // Templated paths (`/items/{id}`) cannot be asked without a real id; the others are.
        resources = documented.filter((p) => p.startsWith(`${prefix}/`) && !p.includes('{'));
      } else {
        resources = KNOWN_PATHS[target.service.kind ?? 'http'];
      }
    }
    if (!resources || (resources.length === 0 && problems.length === 0)) {
      return skipped(
        `no API paths to check on ${target.service.name} and no OpenAPI document at /openapi.json: list them in the binding, e.g. with: { paths: [/items] }`,
      );
    }
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

/** The paths of the service's OpenAPI document, or undefined when it serves none. */
async function documentedPaths(target: ServiceTarget): Promise<string[] | undefined> {
  const exchange = await target.client.get(target.url(OPENAPI_PATH), {
    headers: { accept: 'application/json' },
    maxBodyBytes: 16 * BODY_LIMIT,
    signal: target.signal,
  });
  if (exchange.kind === 'failure' || exchange.status !== 200) return undefined;
  const paths = jsonObjectOf(exchange.body)?.paths;
  return typeof paths === 'object' && paths !== null ? Object.keys(paths) : undefined;
}
