import type { RouteOptions } from 'fastify';
import type { RouteAuth } from '../auth/principal.js';
import type { ServiceConfig } from '../config.js';
import { FAULT_ENDPOINT } from '../contract.js';
import type { RouteRateLimit } from '../limits/rate-limit-config.js';
import type { KitErrorOccasion } from './kit-error-catalogue.js';
import { OPENAPI_ENDPOINTS } from './openapi-endpoints.js';

/** What the document needs to know of a route beyond its schema, read from its options. */
export interface RouteTraits {
  /**
   * The kit's own routes: probes, metrics, the fault route and the document. (Swagger UI's
   * routes hide themselves: they carry `schema.hide`.)
   */
  readonly kitRoute: boolean;
  /** The scopes it needs, when it needs a principal at all. */
  readonly auth: { readonly scopes: readonly string[] } | undefined;
  /** The kit occasions (kit-error-catalogue.ts) that apply to it. */
  readonly occasions: ReadonlySet<KitErrorOccasion>;
}

interface KitRouteConfig {
  readonly bulwarkProbe?: boolean;
  readonly auth?: RouteAuth;
  readonly rateLimit?: RouteRateLimit;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const INPUT_PARTS = ['body', 'querystring', 'query', 'params', 'headers'] as const;

export function routeTraits(
  route: Pick<RouteOptions, 'url' | 'method' | 'schema' | 'config'>,
  config: Pick<ServiceConfig, 'auth' | 'rateLimit'>,
): RouteTraits {
  const routeConfig = (route.config ?? {}) as KitRouteConfig;
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const methods = [route.method].flat().map((m) => m.toUpperCase());
  const probe = routeConfig.bulwarkProbe === true;
  const auth =
    config.auth.mode === 'required' && !probe && routeConfig.auth !== false
      ? { scopes: routeConfig.auth?.scopes ?? [] }
      : undefined;
  const occasions = new Set<KitErrorOccasion>(['every-route']);
  if (INPUT_PARTS.some((part) => schema[part] !== undefined)) occasions.add('validated-input');
  if (schema.body !== undefined || methods.some((m) => BODY_METHODS.has(m))) {
    occasions.add('request-body');
  }
  if (auth) occasions.add('authenticated');
  // Fastify's parameters (`:id`) and wildcard (`*`).
  if (/[:*]/.test(route.url)) occasions.add('path-parameters');
  if (rateLimitApplies(probe, routeConfig.rateLimit, config.rateLimit)) {
    occasions.add('rate-limited');
  }
  return { kitRoute: probe || isKitPath(route.url), auth, occasions };
}

/** installRateLimiting's own decision (limits/rate-limiting.ts), made from the same settings. */
function rateLimitApplies(
  probe: boolean,
  own: RouteRateLimit | undefined,
  config: ServiceConfig['rateLimit'],
): boolean {
  if (!config.enabled || probe || own === false) return false;
  return (own ?? config.rules).length > 0;
}

function isKitPath(url: string): boolean {
  return url === FAULT_ENDPOINT || url === OPENAPI_ENDPOINTS.document;
}
