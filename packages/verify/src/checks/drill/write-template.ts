/**
 * The acknowledged-write probes of drill.kill and drill.soak send a plan-given request per
 * write, with `{id}` standing for an id the drill makes, then read each write back by it.
 */

/** The path with `{id}` replaced, URL-encoded. */
export function pathWithId(path: string, id: string): string {
  return path.replaceAll('{id}', encodeURIComponent(id));
}

/** The body with `{id}` replaced in every string it holds. */
export function bodyWithId(body: unknown, id: string): unknown {
  if (typeof body === 'string') return body.replaceAll('{id}', id);
  if (Array.isArray(body)) return body.map((item) => bodyWithId(item, id));
  if (body !== null && typeof body === 'object') {
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, bodyWithId(v, id)]));
  }
  return body;
}
