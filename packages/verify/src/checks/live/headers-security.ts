import { type Static, Type } from '@sinclair/typebox';
import type { CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { headerOf } from './answer.js';
import { jsonArtifact } from './evidence.js';
import type { Answer } from './http.js';
import {
  ERROR_BODY_LIMIT,
  evidenceHeaders,
  type Figures,
  judgeWithVersion,
  type LiveRun,
  liveRun,
  unknownPath,
} from './live-check.js';

export const HeadersSecurityParams = Type.Object(
  {
    /** A path that answers normally (2xx or 3xx); the kit's /live by default. */
    path: Type.String({ pattern: '^/', maxLength: 2000, default: '/live' }),
    /** The shortest HSTS max-age accepted on https: six months by default. */
    hstsMinAgeSec: Type.Integer({ minimum: 0, maximum: 63_072_000, default: 15_768_000 }),
  },
  { additionalProperties: false },
);
export type HeadersSecurityParamsValue = Static<typeof HeadersSecurityParams>;

/**
 * What a response must carry (OWASP Secure Headers): nosniff, a Content-Security-Policy, a
 * framing policy (X-Frame-Options, or frame-ancestors in the CSP), a Referrer-Policy, no
 * X-Powered-By, and on https a Strict-Transport-Security of at least `hstsMinAgeSec`.
 * Error answers are held to the same rules: a framework's error path is where headers go missing.
 */
export function judgeSecurityHeaders(
  answer: Answer,
  https: boolean,
  hstsMinAgeSec: number,
): string[] {
  const wrong: string[] = [];
  const nosniff = headerOf(answer, 'x-content-type-options');
  if (nosniff?.trim().toLowerCase() !== 'nosniff') {
    wrong.push(
      nosniff === undefined
        ? 'no X-Content-Type-Options'
        : `X-Content-Type-Options is "${nosniff}", not nosniff`,
    );
  }
  const csp = headerOf(answer, 'content-security-policy');
  if (csp === undefined || csp.trim() === '') wrong.push('no Content-Security-Policy');
  const frameOptions = headerOf(answer, 'x-frame-options')?.trim().toUpperCase();
  const frameAncestors = /(^|;)\s*frame-ancestors\s/i.test(csp ?? '');
  if (!frameAncestors && frameOptions !== 'DENY' && frameOptions !== 'SAMEORIGIN') {
    wrong.push('no framing policy (X-Frame-Options DENY or SAMEORIGIN, or CSP frame-ancestors)');
  }
  if (headerOf(answer, 'referrer-policy') === undefined) wrong.push('no Referrer-Policy');
  const poweredBy = headerOf(answer, 'x-powered-by');
  if (poweredBy !== undefined)
    wrong.push(`X-Powered-By "${poweredBy.slice(0, 60)}" names the stack`);
  if (https) {
    const hsts = headerOf(answer, 'strict-transport-security');
    const maxAge = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?/i.exec(hsts ?? '')?.[1];
    if (hsts === undefined) wrong.push('no Strict-Transport-Security on https');
    else if (maxAge === undefined) wrong.push('Strict-Transport-Security has no max-age');
    else if (Number(maxAge) < hstsMinAgeSec) {
      wrong.push(`Strict-Transport-Security max-age ${maxAge} is under ${hstsMinAgeSec} s`);
    }
  }
  return wrong;
}

/** A normal answer and an error answer (an unknown path), each judged by `judgeSecurityHeaders`. */
export async function judgeHeadersSecurity(
  params: HeadersSecurityParamsValue,
  run: LiveRun,
): Promise<CheckOutcome> {
  const { target } = run;
  const https = target.base.protocol === 'https:';
  const requests = [
    { name: 'normal', path: params.path },
    { name: 'error', path: unknownPath() },
  ];
  const problems: string[] = [];
  const figures: Figures = { https };
  const seen: Record<string, unknown>[] = [];
  for (const { name, path } of requests) {
    run.progress(`GET ${path}`);
    const exchange = await target.client.get(target.url(path), {
      maxBodyBytes: ERROR_BODY_LIMIT,
      signal: target.signal,
    });
    if (target.signal.aborted) return aborted();
    if (exchange.kind === 'failure') {
      problems.push(`GET ${path}: ${exchange.message}`);
      continue;
    }
    figures[`${name}.status`] = exchange.status;
    seen.push({ answer: name, path, status: exchange.status, headers: evidenceHeaders(exchange) });
    const wrong = judgeSecurityHeaders(exchange, https, params.hstsMinAgeSec);
    if (name === 'normal' && exchange.status >= 400) {
      wrong.unshift(
        `answered ${exchange.status}, not a normal answer (choose a path that answers 2xx)`,
      );
    }
    if (name === 'error' && exchange.status < 400)
      wrong.unshift(`answered ${exchange.status}, not an error`);
    if (wrong.length > 0) problems.push(`GET ${path} (${exchange.status}): ${wrong.join(', ')}`);
  }
  const evidence = { measurements: figures, artifacts: [jsonArtifact('headers.json', seen)] };
  if (problems.length > 0) return { status: 'fail', summary: problems.join('; '), ...evidence };
  return {
    status: 'pass',
    summary: `${params.path} and an error answer carry nosniff, CSP, a framing policy and Referrer-Policy, no X-Powered-By${https ? ', and HSTS' : ' (plain http: HSTS not judged)'}`,
    ...evidence,
  };
}

export const headersSecurityCheck: CheckPlugin<HeadersSecurityParamsValue> = {
  id: 'headers.security',
  description:
    'normal and error answers carry nosniff, CSP, a framing policy, Referrer-Policy, HSTS on https, and no X-Powered-By',
  params: HeadersSecurityParams,
  scope: 'service',
  kinds: ['http', 'ledger', 'tool-gate'],
  run: (params, ctx) =>
    judgeWithVersion(liveRun('headers.security', ctx), (run) => judgeHeadersSecurity(params, run)),
};
