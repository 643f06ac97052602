import { randomBytes } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { headerOf, jsonObjectOf } from './answer.js';
import { judgeErrorAnswer, PROBLEM_MEDIA_TYPE } from './errors-problem-json.js';
import { jsonArtifact } from './evidence.js';
import type { Answer } from './http.js';
import {
  credentialsNote,
  ERROR_BODY_LIMIT,
  echoedIn,
  type Figures,
  judgeWithVersion,
  type LiveRun,
  liveRun,
} from './live-check.js';

/** Methods whose answers carry a body to judge (a HEAD answer has none). */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const AuthEnforcedParams = Type.Object(
  {
    /**
     * API paths that must need credentials. There is no way to list a service's routes from
     * outside, so the default is the reference API's resource; name your own.
     */
    paths: Type.Array(Type.String({ pattern: '^/', maxLength: 2000 }), {
      minItems: 1,
      maxItems: 20,
      default: ['/v1/items'],
    }),
    method: Type.Union(
      METHODS.map((m) => Type.Literal(m)),
      { default: 'GET' },
    ),
  },
  { additionalProperties: false },
);
export type AuthEnforcedParamsValue = Static<typeof AuthEnforcedParams>;

/** One request of the check: what it carried, and the answer the service must give. */
interface Attempt {
  readonly name: string;
  /** What the request carried, for evidence and summaries. */
  readonly carried: string;
  /** Credentials sent as is (deliberately wrong ones), or the service's own. */
  readonly headers?: Record<string, string>;
  readonly credentials: 'none' | 'service';
  /** Text the answer must not echo back (the wrong credential sent). */
  readonly secret?: string;
}

/**
 * Each path, without credentials and with three kinds of wrong ones (a random API key, a bearer
 * token with a random signature, an unsigned `alg: none` JWT), must answer 401 in problem+json
 * with an errorId and a WWW-Authenticate challenge (RFC 9110 §15.5.2), and must not echo the
 * credential sent. When the plan gives the service credentials, the same request with them must
 * not be refused (401 or 403), so a service that refuses everyone does not pass.
 */
export async function judgeAuthEnforced(
  params: AuthEnforcedParamsValue,
  run: LiveRun,
): Promise<CheckOutcome> {
  const { target } = run;
  const attempts = wrongCredentials(target.access.apiKeyHeader, run.now());
  const withCredentials = target.client.hasCredentials;
  const problems: string[] = [];
  const figures: Figures = { credentials: credentialsNote(target), method: params.method };
  const seen: Record<string, unknown>[] = [];
  const accepted: number[] = [];
  for (const path of params.paths) {
    const all: Attempt[] = withCredentials
      ? [
          ...attempts,
          { name: 'authenticated', carried: 'the plan credentials', credentials: 'service' },
        ]
      : attempts;
    for (const attempt of all) {
      run.progress(`${params.method} ${path} with ${attempt.carried}`);
      const exchange = await target.client.request(target.url(path), {
        method: params.method,
        headers: { accept: `${PROBLEM_MEDIA_TYPE}, application/json`, ...attempt.headers },
        credentials: attempt.credentials,
        maxBodyBytes: ERROR_BODY_LIMIT,
        signal: target.signal,
      });
      if (target.signal.aborted) return aborted();
      const label = `${params.method} ${path} with ${attempt.carried}`;
      if (exchange.kind === 'failure') {
        problems.push(`${label}: ${exchange.message}`);
        seen.push({ path, sent: attempt.carried, error: exchange.message });
        continue;
      }
      figures[`${path} ${attempt.name}.status`] = exchange.status;
      seen.push(record(path, attempt, exchange));
      if (attempt.name === 'authenticated') {
        if (exchange.status === 401 || exchange.status === 403) {
          problems.push(`${label}: ${exchange.status}, the plan's credentials are refused`);
        } else accepted.push(exchange.status);
        continue;
      }
      const wrong = judgeRefusal(exchange, attempt);
      if (wrong.length > 0) problems.push(`${label}: ${wrong.join(', ')}`);
    }
  }
  const evidence = { measurements: figures, artifacts: [jsonArtifact('requests.json', seen)] };
  if (problems.length > 0) return { status: 'fail', summary: problems.join('; '), ...evidence };
  const paths = params.paths.join(', ');
  const refused = `${params.method} ${paths}: 401 problem+json with WWW-Authenticate without credentials and with a wrong API key, a forged bearer token and an alg=none JWT`;
  return {
    status: 'pass',
    summary: withCredentials
      ? `${refused}; ${[...new Set(accepted)].join('/')} with ${credentialsNote(target)}`
      : `${refused}; the plan gives no credentials, so authenticated access was not tried`,
    ...evidence,
  };
}

/** What is wrong with the answer to a request that must be refused; empty when it is right. */
function judgeRefusal(answer: Answer, attempt: Attempt): string[] {
  if (answer.status !== 401) {
    return [
      answer.status < 400
        ? `answered ${answer.status}: served without valid credentials`
        : `answered ${answer.status}, not 401`,
    ];
  }
  const wrong = judgeErrorAnswer(answer);
  if (headerOf(answer, 'www-authenticate') === undefined) wrong.push('no WWW-Authenticate header');
  const echoed = attempt.secret === undefined ? undefined : echoedIn(answer, attempt.secret);
  if (echoed !== undefined) wrong.push(`the credential sent is echoed in ${echoed}`);
  return wrong;
}

function record(path: string, attempt: Attempt, answer: Answer): Record<string, unknown> {
  const body = jsonObjectOf(answer.body);
  return {
    path,
    sent: attempt.carried,
    status: answer.status,
    wwwAuthenticate: headerOf(answer, 'www-authenticate') ?? null,
    contentType: headerOf(answer, 'content-type') ?? null,
    errorId: typeof body?.errorId === 'string' ? body.errorId : null,
    ms: Math.round(answer.ms * 100) / 100,
  };
}

/**
 * The wrong credentials, fresh each run: made-up values only, never derived from the plan's
 * real ones, so evidence holding them reveals nothing.
 */
function wrongCredentials(apiKeyHeader: string, now: Date): Attempt[] {
  const wrongKey = `bulwark-verify-wrong-key-${randomBytes(12).toString('hex')}`;
  const seconds = Math.floor(now.getTime() / 1000);
  const claims = base64url(
    JSON.stringify({ sub: 'bulwark-verify', iat: seconds, nbf: seconds, exp: seconds + 300 }),
  );
  const forged = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${claims}.${randomBytes(32).toString('base64url')}`;
  const unsigned = `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${claims}.`;
  return [
    { name: 'anonymous', carried: 'no credentials', credentials: 'none' },
    {
      name: 'wrong-api-key',
      carried: `a wrong API key in ${apiKeyHeader}`,
      headers: { [apiKeyHeader]: wrongKey },
      credentials: 'none',
      secret: wrongKey,
    },
    {
      name: 'forged-bearer',
      carried: 'a bearer JWT with a random signature',
      headers: { authorization: `Bearer ${forged}` },
      credentials: 'none',
      secret: forged,
    },
    {
      name: 'alg-none-bearer',
      carried: 'an unsigned alg=none JWT',
      headers: { authorization: `Bearer ${unsigned}` },
      credentials: 'none',
      secret: unsigned,
    },
  ];
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export const authEnforcedCheck: CheckPlugin<AuthEnforcedParamsValue> = {
  id: 'auth.enforced',
  description:
    'API paths answer 401 problem+json with WWW-Authenticate without credentials or with wrong ones, and serve the plan credentials',
  params: AuthEnforcedParams,
  scope: 'service',
  kinds: ['http'],
  run: (params, ctx) =>
    judgeWithVersion(liveRun('auth.enforced', ctx), (run) => judgeAuthEnforced(params, run)),
};
