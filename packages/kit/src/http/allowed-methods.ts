import type { FastifyInstance, HTTPMethods } from 'fastify';

// The methods a 405's Allow header can name. A route on another method (PROPFIND, say) still
// works; a request for its path with the wrong method is then a 404 rather than a 405.
const CANDIDATES: readonly HTTPMethods[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
];

/**
 * The methods that have a route for this URL, asked of Fastify's router (`findRoute`, one
 * lookup per method). Only the not-found path calls this, so routing itself pays nothing.
 */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const allowed: string[] = [];
  for (const method of CANDIDATES) {
    const found = app.findRoute({ method, url });
    // For a path it cannot decode, or a parameter over its length limit, the router answers
    // with a stand-in handler that has no parsed query string; that is not a route.
    if (found?.searchParams !== undefined) allowed.push(method);
  }
  return allowed;
}
