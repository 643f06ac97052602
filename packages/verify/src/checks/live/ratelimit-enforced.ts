import { setTimeout as sleep } from 'node:timers/promises';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { headerOf } from './answer.js';
import { judgeErrorAnswer, PROBLEM_MEDIA_TYPE } from './errors-problem-json.js';
import { bodyArtifact, jsonArtifact } from './evidence.js';
import { type Answer, type Failure, HttpProbeClient } from './http.js';
import {
  credentialsNote,
  ERROR_ARTIFACT_LIMIT,
  ERROR_BODY_LIMIT,
  evidenceHeaders,
  type Figures,
  judgeWithVersion,
  type LiveRun,
  liveRun,
} from './live-check.js';

export const RatelimitEnforcedParams = Type.Object(
  {
    /** A rate-limited API path, requested with the plan's credentials. */
    path: Type.String({ pattern: '^/', maxLength: 2000, default: '/v1/items' }),
    method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], { default: 'GET' }),
    /** No 429 after this many requests fails the check. */
    maxRequests: Type.Integer({ minimum: 1, maximum: 100_000, default: 200 }),
    /** Requests in flight at once, each on its own connection. */
    concurrency: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    /**
     * After the 429, wait out its Retry-After (at most 60 s), so the checks that run next with
     * the same credentials are not refused by the limit this one used up.
     */
    waitForReset: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type RatelimitEnforcedParamsValue = Static<typeof RatelimitEnforcedParams>;

const MAX_RESET_WAIT_MS = 60_000;
/** The draft's structured fields, its earlier separate fields, and the widespread X- ones. */
const RATELIMIT_HEADERS = [
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
] as const;

interface Burst {
  /** Requests sent, in order; the 429's place among them. */
  sent: number;
  firstRefusal?: {
    readonly ordinal: number;
    readonly answer: Answer;
    readonly answeredBefore: number;
  };
  answered: number;
  failure?: Failure;
  readonly statuses: Map<number, number>;
}

/**
 * Sends `maxRequests` requests at most, `concurrency` at a time, with the plan's credentials,
 * until the first 429. It must carry a Retry-After (RFC 9110 §10.2.3) and be problem+json with an
 * errorId; missing RateLimit headers (draft-ietf-httpapi-ratelimit-headers) make it a warn.
 * No 429 within `maxRequests` fails: the path is not limited, or its limit is above what was sent.
 */
export async function judgeRatelimitEnforced(
  params: RatelimitEnforcedParamsValue,
  run: LiveRun,
): Promise<CheckOutcome> {
  const { target } = run;
  // Its own pool: the run's shared client keeps one connection, which would serialize the burst.
  const client = new HttpProbeClient({
    timeoutMs: target.client.timeoutMs,
    connections: params.concurrency,
    ...target.access.client,
  });
  const burst: Burst = { sent: 0, answered: 0, statuses: new Map() };
  try {
    run.progress(`${params.method} ${params.path} until a 429`);
    const url = target.url(params.path);
    const worker = async () => {
      while (!burst.firstRefusal && !burst.failure && burst.sent < params.maxRequests) {
        if (target.signal.aborted) return;
        const ordinal = ++burst.sent;
        const exchange = await client.request(url, {
          method: params.method,
          headers: { accept: `${PROBLEM_MEDIA_TYPE}, application/json` },
          credentials: 'service',
          ...(params.method === 'POST' ? { body: '' } : {}),
          maxBodyBytes: ERROR_BODY_LIMIT,
          signal: target.signal,
        });
        if (exchange.kind === 'failure') {
          burst.failure ??= exchange;
          return;
        }
        burst.statuses.set(exchange.status, (burst.statuses.get(exchange.status) ?? 0) + 1);
        if (exchange.status === 429 && !burst.firstRefusal) {
          burst.firstRefusal = { ordinal, answer: exchange, answeredBefore: burst.answered };
        }
        burst.answered++;
      }
    };
    await Promise.all(Array.from({ length: params.concurrency }, worker));
  } finally {
    await client.close();
  }
  if (target.signal.aborted) return aborted();
  const figures: Figures = {
    credentials: credentialsNote(target),
    requestsSent: burst.sent,
    concurrency: params.concurrency,
  };
  for (const [status, count] of [...burst.statuses].sort((a, b) => a[0] - b[0])) {
    figures[`status.${status}`] = count;
  }
  const statuses = [...burst.statuses].map(([s, n]) => `${n}× ${s}`).join(', ');
  const refusal = burst.firstRefusal;
  if (!refusal) {
    if (burst.failure) {
      return {
        status: 'fail',
        summary: `${params.path}: ${burst.failure.message} after ${burst.sent} requests`,
        measurements: figures,
      };
    }
    const refusedAll = [401, 403].find((s) => burst.statuses.get(s) === burst.answered);
    const summary =
      refusedAll !== undefined
        ? `${params.method} ${params.path}: every request answered ${refusedAll} before any limit (credentials: ${credentialsNote(target)})`
        : `${params.method} ${params.path}: no 429 after ${burst.sent} requests (${statuses})`;
    return { status: 'fail', summary, measurements: figures };
  }
  const { answer } = refusal;
  figures.requestsBefore429 = refusal.ordinal - 1;
  figures.answeredBefore429 = refusal.answeredBefore;
  const retryAfter = headerOf(answer, 'retry-after');
  if (retryAfter !== undefined) figures.retryAfter = retryAfter;
  const artifacts = [
    bodyArtifact('429.body', answer, ERROR_ARTIFACT_LIMIT),
    jsonArtifact('429.headers.json', evidenceHeaders(answer)),
  ];
  const wrong = judgeErrorAnswer(answer);
  const waitMs = retryAfterMs(retryAfter, run.now());
  if (retryAfter === undefined) wrong.unshift('no Retry-After header');
  else if (waitMs === undefined)
    wrong.unshift(
      `Retry-After ${JSON.stringify(retryAfter.slice(0, 60))} is neither seconds nor an HTTP date`,
    );
  const hasRateLimitHeaders = RATELIMIT_HEADERS.some(
    (name) => headerOf(answer, name) !== undefined,
  );
  figures.rateLimitHeaders = hasRateLimitHeaders;
  if (params.waitForReset && waitMs !== undefined) {
    const waited = Math.min(waitMs, MAX_RESET_WAIT_MS);
    run.progress(`waiting ${Math.ceil(waited / 1000)} s for the limit to reset`);
    await sleep(waited, undefined, { signal: target.signal }).catch(() => undefined);
    if (target.signal.aborted) return aborted();
    figures.waitedMs = waited;
  }
  const evidence = { measurements: figures, artifacts };
  const where = `429 on request ${refusal.ordinal} of ${params.method} ${params.path}`;
  if (wrong.length > 0)
    return { status: 'fail', summary: `${where}: ${wrong.join(', ')}`, ...evidence };
  const summary = `${where}, with Retry-After ${retryAfter} and problem+json with an errorId`;
  if (!hasRateLimitHeaders) {
    return { status: 'warn', summary: `${summary}, but no RateLimit headers`, ...evidence };
  }
  return { status: 'pass', summary: `${summary} and RateLimit headers`, ...evidence };
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date; undefined if neither. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone would take far more.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text))
    return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

export const ratelimitEnforcedCheck: CheckPlugin<RatelimitEnforcedParamsValue> = {
  id: 'ratelimit.enforced',
  description:
    'a burst of requests with the plan credentials gets a 429 with Retry-After in problem+json with an errorId',
  params: RatelimitEnforcedParams,
  scope: 'service',
  kinds: ['http'],
  run: (params, ctx) =>
    judgeWithVersion(liveRun('ratelimit.enforced', ctx), (run) =>
      judgeRatelimitEnforced(params, run),
    ),
};
