import { randomBytes } from 'node:crypto';
import { ENDPOINTS } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { ArtifactInput, CheckPlugin, Measurements } from '../check.js';
import { aborted } from '../outcomes.js';
import { headerOf, jsonObjectOf } from './answer.js';
import { bodyArtifact } from './evidence.js';
import type { Answer } from './http.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from './service-target.js';
import { findStackTrace } from './stack-trace.js';

export const ErrorsProblemJsonParams = Type.Object(
  {
    /**
     * A path that takes a JSON POST (`/v1/items`), so the malformed body reaches the JSON parser;
     * by default the ledger's entries route on a ledger, else an unknown path.
     */
    postPath: Type.Optional(Type.String({ pattern: '^/', maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ErrorsProblemJsonParamsValue = Static<typeof ErrorsProblemJsonParams>;

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
/** Error bodies are small; a megabyte error page is a fault in itself. */
const ERROR_BODY_LIMIT = 1_048_576;
const ERROR_ARTIFACT_LIMIT = 16_384;
const LEDGER_POST_PATH = '/v1/ledger/entries';

interface Provocation {
  /** Artifact and measurement name. */
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** What the provocation is, for the summary. */
  readonly label: string;
}

/**
 * Provokes three errors a client can cause without knowing the API: an unknown path, a method
 * the probe routes do not take, and a malformed JSON body. Each answer must be an error (4xx or
 * 5xx) in RFC 9457 problem+json with `status`, `title` and the kit's `errorId` (the key into the
 * service's logs), and must not carry a stack trace or the paths one leaves. When the plan gives
 * the service credentials, the unknown path and the malformed body carry them (the target's
 * client adds them to every path but the probes), so with auth on the body still reaches the
 * JSON parser instead of stopping at a 401.
 */
export const errorsProblemJsonCheck: CheckPlugin<ErrorsProblemJsonParamsValue> = {
  id: 'errors.problem-json',
  description: 'error answers are application/problem+json with an errorId and no stack trace',
  params: ErrorsProblemJsonParams,
  scope: 'service',
  kinds: ['http', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('errors.problem-json', ctx);
    const unknownPath = `/bulwark-verify-no-such-path-${randomBytes(6).toString('hex')}`;
    const postPath =
      params.postPath ?? (target.service.kind === 'ledger' ? LEDGER_POST_PATH : unknownPath);
    const provocations: Provocation[] = [
      { name: 'unknown-path', label: `GET ${unknownPath}`, method: 'GET', path: unknownPath },
      {
        name: 'wrong-method',
        label: `DELETE ${ENDPOINTS.live}`,
        method: 'DELETE',
        path: ENDPOINTS.live,
      },
      {
        name: 'malformed-json',
        label: `POST ${postPath} with malformed JSON`,
        method: 'POST',
        path: postPath,
        headers: { 'content-type': 'application/json' },
        body: '{"bulwark-verify": [1, 2,',
      },
    ];
    const problems: string[] = [];
    const artifacts: ArtifactInput[] = [];
    const figures: Record<string, Measurements[string]> = {};
    for (const provocation of provocations) {
      ctx.progress(provocation.label);
      const answer = await provoke(target, provocation);
      if (ctx.signal.aborted) return aborted();
      if (answer.kind === 'failure') {
        problems.push(`${provocation.label}: ${answer.message}`);
        continue;
      }
      figures[`${provocation.name}.status`] = answer.status;
      artifacts.push(bodyArtifact(`${provocation.name}.body`, answer, ERROR_ARTIFACT_LIMIT));
      const wrong = judgeErrorAnswer(answer);
      if (wrong.length > 0) problems.push(`${provocation.label}: ${wrong.join(', ')}`);
    }
    const version = await targetVersionOf(target);
    const evidence = {
      measurements: figures,
      artifacts,
      ...(version === undefined ? {} : { targetVersion: version }),
    };
    if (problems.length > 0) return { status: 'fail', summary: problems.join('; '), ...evidence };
    const statuses = provocations.map((p) => figures[`${p.name}.status`]).join(', ');
    return {
      status: 'pass',
      summary: `${provocations.length} provoked errors (${statuses}) answered in problem+json with an errorId, no stack trace`,
      ...evidence,
    };
  },
};

function provoke(target: ServiceTarget, provocation: Provocation) {
  return target.client.request(target.url(provocation.path), {
    method: provocation.method,
    headers: { accept: `${PROBLEM_MEDIA_TYPE}, application/json`, ...provocation.headers },
    ...(provocation.body === undefined ? {} : { body: provocation.body }),
    maxBodyBytes: ERROR_BODY_LIMIT,
    signal: target.signal,
  });
}

/** What is wrong with one error answer; empty when it meets the contract. */
export function judgeErrorAnswer(answer: Answer): string[] {
  const wrong: string[] = [];
  if (answer.status < 400) wrong.push(`answered ${answer.status}, not an error`);
  const type = headerOf(answer, 'content-type') ?? '';
  if (type.split(';')[0]?.trim().toLowerCase() !== PROBLEM_MEDIA_TYPE) {
    wrong.push(`Content-Type ${JSON.stringify(type)} is not ${PROBLEM_MEDIA_TYPE}`);
  }
  const body = jsonObjectOf(answer.body);
  if (body === undefined) wrong.push('the body is not a JSON object');
  else {
    if (body.status !== answer.status) {
      wrong.push(`"status" ${JSON.stringify(body.status ?? null)} is not ${answer.status}`);
    }
    if (typeof body.title !== 'string' || body.title === '') wrong.push('no "title"');
    if (typeof body.errorId !== 'string' || body.errorId === '') wrong.push('no "errorId"');
  }
  const stack = findStackTrace(answer.body);
  if (stack) wrong.push(`stack trace in the body (${stack.what}: ${stack.excerpt})`);
  return wrong;
}
