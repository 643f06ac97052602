import { FAULT_ENDPOINT } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { ArtifactInput, CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { judgeErrorAnswer, PROBLEM_MEDIA_TYPE } from './errors-problem-json.js';
import { bodyArtifact } from './evidence.js';
import type { Answer, Exchange } from './http.js';
import {
  credentialsNote,
  ERROR_ARTIFACT_LIMIT,
  ERROR_BODY_LIMIT,
  echoedIn,
  type Figures,
  judgeWithVersion,
  type LiveRun,
  liveRun,
  unknownPath,
} from './live-check.js';

export const ErrorsSanitizedParams = Type.Object(
  {
    /**
     * A route that takes a JSON POST, so the malformed body reaches the JSON parser: by default
     * /v1/items, the ledger's entries on a ledger, the decisions route on a tool gate.
     */
    path: Type.Optional(Type.String({ pattern: '^/', maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ErrorsSanitizedParamsValue = Static<typeof ErrorsSanitizedParams>;

const DEFAULT_POST_PATHS: Readonly<Record<string, string>> = {
  http: '/v1/items',
  ledger: '/v1/ledger/entries',
  'tool-gate': '/v1/decisions',
};
const MALFORMED_JSON = '{"bulwark-verify": [1, 2,';

/**
 * Text the kit's fault route throws (packages/kit/src/service.ts): a planted password and the
 * raw exception message. A sanitized 500 carries neither.
 */
export const FAULT_PLANTED_TEXT = ['hunter2', 'deliberate fault'] as const;

/** One provoked error, and the status it must answer with. */
interface Provocation {
  readonly name: string;
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly expect: number;
  readonly credentials: 'none' | 'service';
  readonly body?: string;
}

/**
 * Four errors a client can provoke, each judged like errors.problem-json (problem+json with
 * `status`, `title` and an `errorId`, no stack trace) and for the exact status it provokes:
 *
 * - 404: an unknown path (with the plan's credentials, so it reaches routing);
 * - 400: malformed JSON to a POST route, with credentials, so it reaches the parser;
 * - 401: the same request without credentials, when the service authenticates; with auth off
 *   it answers 400 and that part is reported as not applicable;
 * - 500: the kit's fault route (`FAULT_ENDPOINT`), whose exception carries a planted password
 *   that must not come back. Production turns the route off: its 404 is recorded as "no fault
 *   route", and the verdict is warn rather than pass, since the 500 path went unseen.
 */
export async function judgeErrorsSanitized(
  params: ErrorsSanitizedParamsValue,
  run: LiveRun,
): Promise<CheckOutcome> {
  const { target } = run;
  const postPath = params.path ?? DEFAULT_POST_PATHS[target.service.kind ?? 'http'] ?? '/v1/items';
  const missing = unknownPath();
  const provocations: Provocation[] = [
    {
      name: 'not-found',
      label: `GET ${missing}`,
      method: 'GET',
      path: missing,
      expect: 404,
      credentials: 'service',
    },
    {
      name: 'malformed-json',
      label: `POST ${postPath} with malformed JSON`,
      method: 'POST',
      path: postPath,
      expect: 400,
      credentials: 'service',
      body: MALFORMED_JSON,
    },
    {
      name: 'unauthenticated',
      label: `POST ${postPath} without credentials`,
      method: 'POST',
      path: postPath,
      expect: 401,
      credentials: 'none',
      body: MALFORMED_JSON,
    },
    {
      name: 'fault',
      label: `GET ${FAULT_ENDPOINT}`,
      method: 'GET',
      path: FAULT_ENDPOINT,
      expect: 500,
      credentials: 'service',
    },
  ];
  const problems: string[] = [];
  const notes: string[] = [];
  const artifacts: ArtifactInput[] = [];
  const figures: Figures = { credentials: credentialsNote(target) };
  const seen: string[] = [];
  let faultUnseen = false;
  for (const provocation of provocations) {
    run.progress(provocation.label);
    const exchange = await provoke(run, provocation);
    if (target.signal.aborted) return aborted();
    if (exchange.kind === 'failure') {
      problems.push(`${provocation.label}: ${exchange.message}`);
      continue;
    }
    figures[`${provocation.name}.status`] = exchange.status;
    artifacts.push(bodyArtifact(`${provocation.name}.body`, exchange, ERROR_ARTIFACT_LIMIT));
    if (provocation.name === 'unauthenticated' && exchange.status === 400) {
      notes.push('auth is off (400 without credentials): no 401 to judge');
      figures['unauthenticated.judged'] = false;
      continue;
    }
    if (provocation.name === 'fault' && exchange.status === 404) {
      faultUnseen = true;
      figures['fault.route'] = false;
      notes.push(
        `no fault route (${FAULT_ENDPOINT} answered 404, as in production): the 500 path went unseen`,
      );
      continue;
    }
    const wrong = judgeProvoked(exchange, provocation);
    if (provocation.expect === 401 && exchange.status === 401)
      figures['unauthenticated.judged'] = true;
    if (provocation.name === 'fault' && exchange.status === 500) figures['fault.route'] = true;
    if (wrong.length > 0) problems.push(`${provocation.label}: ${wrong.join(', ')}`);
    else seen.push(String(exchange.status));
  }
  const evidence = { measurements: figures, artifacts };
  if (problems.length > 0) {
    return { status: 'fail', summary: [...problems, ...notes].join('; '), ...evidence };
  }
  const summary = `${seen.join(', ')} answered in problem+json with an errorId, no stack trace or planted secret${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
  return { status: faultUnseen ? 'warn' : 'pass', summary, ...evidence };
}

function provoke(run: LiveRun, provocation: Provocation): Promise<Exchange> {
  const { target } = run;
  return target.client.request(target.url(provocation.path), {
    method: provocation.method,
    headers: {
      accept: `${PROBLEM_MEDIA_TYPE}, application/json`,
      ...(provocation.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    credentials: provocation.credentials,
    ...(provocation.body === undefined ? {} : { body: provocation.body }),
    maxBodyBytes: ERROR_BODY_LIMIT,
    signal: target.signal,
  });
}

function judgeProvoked(answer: Answer, provocation: Provocation): string[] {
  const wrong: string[] = [];
  if (answer.status !== provocation.expect) {
    const hint =
      answer.status === 401 && provocation.credentials === 'service'
        ? ' (refused as unauthenticated: give the plan service credentials)'
        : '';
    wrong.push(`answered ${answer.status}, not ${provocation.expect}${hint}`);
  }
  // A 2xx or 3xx is not an error at all; the problem+json rules apply to errors only.
  if (answer.status >= 400) wrong.push(...judgeErrorAnswer(answer));
  for (const text of FAULT_PLANTED_TEXT) {
    const where = echoedIn(answer, text);
    if (where !== undefined) wrong.push(`the fault's text "${text}" leaks in ${where}`);
  }
  return wrong;
}

export const errorsSanitizedCheck: CheckPlugin<ErrorsSanitizedParamsValue> = {
  id: 'errors.sanitized',
  description:
    'a provoked 404, 400, 401 (with auth on) and 500 (the kit fault route) carry problem+json with an errorId, no stack trace and no secret',
  params: ErrorsSanitizedParams,
  scope: 'service',
  kinds: ['http', 'ledger', 'tool-gate'],
  run: (params, ctx) =>
    judgeWithVersion(liveRun('errors.sanitized', ctx), (run) => judgeErrorsSanitized(params, run)),
};
