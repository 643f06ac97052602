import { randomBytes } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { headerOf } from './answer.js';
import { jsonArtifact } from './evidence.js';
import type { HttpProbeClient } from './http.js';
import type { Figures } from './live-check.js';

export const TlsRedirectParams = Type.Object(
  {
    /** The plain-HTTP address that must redirect (a listener in front of, or beside, https). */
    url: Type.String({ pattern: '^http://[^\\s/?#]+(/\\S*)?$', maxLength: 2000 }),
    /** Where the redirect must lead (its scheme, host and port), when that is known. */
    to: Type.Optional(Type.String({ pattern: '^https://[^\\s/?#]+(/\\S*)?$', maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type TlsRedirectParamsValue = Static<typeof TlsRedirectParams>;

const PERMANENT: ReadonlySet<number> = new Set([301, 308]);
const TEMPORARY: ReadonlySet<number> = new Set([302, 303, 307]);
const BODY_LIMIT = 65_536;

export interface RedirectRun {
  readonly client: HttpProbeClient;
  readonly signal: AbortSignal;
  readonly progress: (message: string) => void;
}

/**
 * GET on the plain-HTTP URL, and on a deeper path with a query under it, must answer a
 * permanent redirect (301 or 308) whose Location is https with the same path and query, so
 * links and bookmarks keep working once upgraded. A temporary one (302, 303, 307) is a warn:
 * clients follow it, but neither they nor HSTS preload lists remember it.
 */
export async function judgeTlsRedirect(
  params: TlsRedirectParamsValue,
  run: RedirectRun,
): Promise<CheckOutcome> {
  const start = new URL(params.url);
  const deep = new URL(start.href);
  deep.pathname = `${start.pathname.replace(/\/+$/, '')}/bulwark-verify-${randomBytes(4).toString('hex')}`;
  deep.search = '?bulwark=1';
  const to = params.to === undefined ? undefined : new URL(params.to);
  const problems: string[] = [];
  const warnings: string[] = [];
  const figures: Figures = {};
  const seen: Record<string, unknown>[] = [];
  for (const [name, url] of [
    ['start', start],
    ['deep', deep],
  ] as const) {
    run.progress(`GET ${url.href}`);
    const exchange = await run.client.get(url, {
      credentials: 'none',
      maxBodyBytes: BODY_LIMIT,
      signal: run.signal,
    });
    if (run.signal.aborted) return aborted();
    if (exchange.kind === 'failure') {
      problems.push(`GET ${url.href}: ${exchange.message}`);
      continue;
    }
    const location = headerOf(exchange, 'location');
    figures[`${name}.status`] = exchange.status;
    if (location !== undefined) figures[`${name}.location`] = location.slice(0, 2000);
    seen.push({ url: url.href, status: exchange.status, location: location ?? null });
    const label = `GET ${url.pathname}${url.search}`;
    if (!PERMANENT.has(exchange.status) && !TEMPORARY.has(exchange.status)) {
      problems.push(`${label}: answered ${exchange.status}, not a redirect`);
      continue;
    }
    if (TEMPORARY.has(exchange.status))
      warnings.push(`${label}: ${exchange.status} is a temporary redirect`);
    const wrong = judgeLocation(location, url, to);
    if (wrong !== undefined) problems.push(`${label}: ${wrong}`);
  }
  const evidence = { measurements: figures, artifacts: [jsonArtifact('redirects.json', seen)] };
  if (problems.length > 0) return { status: 'fail', summary: problems.join('; '), ...evidence };
  const target = figures['start.location'];
  if (warnings.length > 0) {
    return {
      status: 'warn',
      summary: `redirects to ${target}, but ${warnings.join('; ')} (use 301 or 308)`,
      ...evidence,
    };
  }
  return {
    status: 'pass',
    summary: `${start.origin} answers ${figures['start.status']} to ${target}, keeping path and query`,
    ...evidence,
  };
}

function judgeLocation(
  location: string | undefined,
  from: URL,
  to: URL | undefined,
): string | undefined {
  if (location === undefined) return 'no Location header';
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return `Location ${JSON.stringify(location.slice(0, 200))} is not a URL`;
  }
  if (next.protocol !== 'https:') return `Location ${next.href} is not https`;
  if (to !== undefined && next.origin !== to.origin)
    return `Location ${next.href} is not on ${to.origin}`;
  if (next.pathname !== from.pathname)
    return `Location ${next.href} drops the path ${from.pathname}`;
  if (next.search !== from.search) return `Location ${next.href} drops the query ${from.search}`;
  return undefined;
}

export const tlsRedirectCheck: CheckPlugin<TlsRedirectParamsValue> = {
  id: 'tls.redirect',
  description: 'plain HTTP answers a permanent redirect (301/308) to https, keeping path and query',
  params: TlsRedirectParams,
  scope: 'environment',
  run: (params, ctx) =>
    judgeTlsRedirect(params, {
      client: ctx.shared.http,
      signal: ctx.signal,
      progress: ctx.progress,
    }),
};
