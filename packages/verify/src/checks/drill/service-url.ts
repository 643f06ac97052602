import type { ServiceTarget } from '../live/service-target.js';

/**
 * `path` (which may carry a query, `/v1/work?ms=150`) on the service: the path is appended to
 * the base URL's path as the contract's endpoints are, and the query kept as a query.
 */
export function serviceUrl(target: Pick<ServiceTarget, 'url'>, path: string): URL {
  const mark = path.indexOf('?');
  if (mark < 0) return target.url(path);
  const url = target.url(path.slice(0, mark));
  url.search = path.slice(mark);
  return url;
}
