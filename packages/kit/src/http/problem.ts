import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BulwarkError } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, plus the fields operators need to find the matching log line. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errorId: string;
  requestId: string;
}

// Fastify's own 4xx errors whose messages we rewrite: the JSON parser's message quotes the body.
const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the request content type is not supported',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the request body is empty but the content type is JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'the request body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the content length does not match the body',
};

function classify(error: FastifyError | Error): { status: number; code: string; detail: string } {
  if (error instanceof BulwarkError) {
    return {
      status: error.status,
      code: error.code,
      detail: error.expose ? error.message : 'the service could not complete the request',
    };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return { status: 400, code: 'BW_VALIDATION', detail: fastifyError.message };
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const known = fastifyError.code ? FRAMEWORK_DETAILS[fastifyError.code] : undefined;
    const detail =
      known ??
      (error instanceof SyntaxError
        ? 'the request body is not valid JSON'
        : (STATUS_CODES[status] ?? 'bad request').toLowerCase());
    return { status, code: `BW_HTTP_${status}`, detail };
  }
  return {
    status: 500,
    code: 'BW_INTERNAL',
    detail: 'an internal error occurred; quote the errorId when reporting it',
  };
}

export function problemFor(error: FastifyError | Error, request: FastifyRequest): ProblemDetails {
  const { status, code, detail } = classify(error);
  return {
    type: `urn:bulwark:problem:${code.toLowerCase()}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? '/',
    code,
    errorId: randomUUID(),
    requestId: request.id,
  };
}

/** The kit's error handler: one problem body per error, and one log line naming its errorId. */
export function sendProblem(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const problem = problemFor(error, request);
  const fields = {
    err: error,
    error_id: problem.errorId,
    code: problem.code,
    status: problem.status,
  };
  if (problem.status >= 500) request.log.error(fields, 'request failed');
  else request.log.info({ ...fields, err: undefined, detail: problem.detail }, 'request rejected');
  const span = trace.getActiveSpan();
  span?.setAttribute('error.id', problem.errorId);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

export function sendNotFound(request: FastifyRequest, reply: FastifyReply) {
  const problem: ProblemDetails = {
    type: 'urn:bulwark:problem:bw_not_found',
    title: 'Not Found',
    status: 404,
    detail: 'no route matches this method and path',
    instance: request.url.split('?')[0] ?? '/',
    code: 'BW_NOT_FOUND',
    errorId: randomUUID(),
    requestId: request.id,
  };
  return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem);
}
