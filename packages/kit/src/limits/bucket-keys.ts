import type { FastifyRequest } from 'fastify';
import type { RateLimitRule } from './rate-limit-store.js';

/** A rule's bucket key for one request; undefined when the rule does not apply (no org). */
export type BucketKeyOf = (request: FastifyRequest) => string | undefined;

/**
 * Each part is tagged and length-prefixed (`s5.alice`), so no two different (subject, org, …)
 * tuples can spell the same key, whatever characters a subject holds. An anonymous caller's
 * address and a principal whose subject happens to be an address get different tags, so they
 * never share a bucket.
 */
function part(tag: string, value: string): string {
  return `${tag}${value.length}.${value}`;
}

/** Builds the key function once per route and rule: the route part is computed here. */
export function bucketKeyOf(rule: RateLimitRule, route: string): BucketKeyOf {
  const routePart = part('r', route);
  const by = rule.by;
  return (request) => {
    const principal = request.principal;
    let key = '';
    for (const name of by) {
      if (name === 'route') key += routePart;
      else if (name === 'subject') {
        key += principal ? part('s', principal.subject) : part('a', request.ip ?? '');
      } else if (name === 'org') {
        // A per-org limit says nothing about callers without an org.
        const org = principal?.org;
        if (org === undefined) return undefined;
        key += part('o', org);
      } else key += part('i', request.ip ?? '');
    }
    return key;
  };
}
