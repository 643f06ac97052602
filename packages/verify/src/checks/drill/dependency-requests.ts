import { ENDPOINTS } from '@bulwark/kit/contract';
import { headerOf, jsonObjectOf } from '../live/answer.js';
import { PROBLEM_MEDIA_TYPE } from '../live/errors-problem-json.js';
import type { Answer, HttpProbeClient } from '../live/http.js';
import { findStackTrace } from '../live/stack-trace.js';
import { describeRequest, type RequestSpec } from './dependency-params.js';
import { roundMs } from './process-signals.js';

/** What one request sent during the outage got, and what was wrong with it. */
export interface OutageAnswer {
  readonly request: string;
  readonly attempt: number;
  /** Undefined when no answer came. */
  readonly status?: number;
  readonly ms: number;
  readonly contentType?: string;
  /** Empty when it failed fast, with 503, in problem+json (a probe endpoint's own JSON for those). */
  readonly problems: readonly string[];
  /** The start of the body, for the evidence. */
  readonly body?: string;
  /** True when it got no answer at all within the wait: the service hung. */
  readonly hung: boolean;
}

const ANSWER_BODY_LIMIT = 65_536;
const BODY_EXCERPT = 2_048;
/** The probe endpoints answer in their own JSON; everything else must answer in problem+json. */
const PROBE_PATHS: ReadonlySet<string> = new Set(Object.values(ENDPOINTS));

/**
 * Sends each request `attempts` times, one after another, on `client` (whose deadline is the
 * longest the drill waits for an answer, past `failFastMs` so a slow answer is measured rather
 * than cut off). The first request that hangs ends the sending: one hang is the finding, and
 * each more would cost the whole wait again.
 */
export async function sendOutageRequests(
  url: (path: string) => URL,
  client: HttpProbeClient,
  requests: readonly RequestSpec[],
  attempts: number,
  failFastMs: number,
  signal: AbortSignal,
): Promise<OutageAnswer[]> {
  const answers: OutageAnswer[] = [];
  for (const request of requests) {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (signal.aborted) return answers;
      const started = performance.now();
      const exchange = await client.request(url(request.path), {
        method: request.method,
        headers: {
          accept: `${PROBLEM_MEDIA_TYPE}, application/json`,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        maxBodyBytes: ANSWER_BODY_LIMIT,
        signal,
      });
      if (signal.aborted) return answers;
      const label = describeRequest(request);
      if (exchange.kind === 'failure') {
        const ms = roundMs(performance.now() - started);
        const hung = exchange.cause === 'no-answer' || exchange.cause === 'timeout';
        answers.push({
          request: label,
          attempt,
          ms,
          hung,
          problems: [
            hung
              ? `no answer within ${Math.round(ms)} ms (limit ${failFastMs} ms)`
              : exchange.message,
          ],
        });
        if (hung) return answers;
        continue;
      }
      const contentType = headerOf(exchange, 'content-type');
      answers.push({
        request: label,
        attempt,
        status: exchange.status,
        ms: roundMs(exchange.ms),
        ...(contentType === undefined ? {} : { contentType }),
        problems: judgeOutageAnswer(exchange, request.path, failFastMs),
        body: exchange.body.slice(0, BODY_EXCERPT),
        hung: false,
      });
    }
  }
  return answers;
}

/** What is wrong with an answer during the outage; empty when it failed fast and well. */
export function judgeOutageAnswer(answer: Answer, path: string, failFastMs: number): string[] {
  const wrong: string[] = [];
  if (answer.ms > failFastMs) {
    wrong.push(`answered in ${Math.round(answer.ms)} ms (limit ${failFastMs} ms)`);
  }
  if (answer.status !== 503) wrong.push(`${answer.status} instead of 503`);
  if (!PROBE_PATHS.has(path.split('?')[0] ?? path)) {
    const type = headerOf(answer, 'content-type') ?? '';
    if (type.split(';')[0]?.trim().toLowerCase() !== PROBLEM_MEDIA_TYPE) {
      wrong.push(`Content-Type ${JSON.stringify(type)} is not ${PROBLEM_MEDIA_TYPE}`);
    } else {
      const status = jsonObjectOf(answer.body)?.status;
      if (status !== answer.status) {
        wrong.push(`problem "status" ${JSON.stringify(status ?? null)} is not ${answer.status}`);
      }
    }
  }
  const stack = findStackTrace(answer.body);
  if (stack) wrong.push(`stack trace in the body (${stack.what})`);
  return wrong;
}
