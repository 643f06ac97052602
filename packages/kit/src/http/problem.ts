import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { trace } from '@opentelemetry/api';
import type {
  FastifyError,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import { BulwarkError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import { allowedMethods } from './allowed-methods.js';
import { lingerAfterResponse, unreadBody } from './lingering-close.js';
import { wasAnsweredOutOfBand } from './traced-server.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One failed field of a validation error (the RFC 9457 "errors" extension's shape). */
export interface FieldProblem {
  detail: string;
  /** JSON Pointer (as a URI fragment) into the body, for body fields. */
  pointer?: string;
  /** The query-string or path parameter, for those. */
  parameter?: string;
  /** The header, for headers. */
  header?: string;
}

/** RFC 9457 problem details, plus the fields operators need to find the matching log line. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path; absent when the request could not be parsed far enough to have one. */
  instance?: string;
  code: string;
  errorId: string;
  requestId: string;
  /** Validation errors: which field failed and why. */
  errors?: FieldProblem[];
}

export function problemType(code: string): string {
  return `urn:bulwark:problem:${code.toLowerCase()}`;
}

// Fastify's own 4xx errors, with fixed texts: their messages can quote the request (the JSON
// parser's quotes the body, the router's the path).
const FRAMEWORK_ERRORS: Record<string, { code?: string; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'BW_UNSUPPORTED_MEDIA_TYPE',
    detail: 'the request content type is not supported; send application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { detail: 'the request body is too large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    detail: 'the request body is empty but the content type is JSON',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { detail: 'the request body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { detail: 'the content length does not match the body' },
  FST_ERR_BAD_URL: { detail: 'the request path is not a valid URL (bad percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { detail: 'a path parameter is longer than the router accepts' },
};

// Field names come from the caller: bounded before they are echoed and logged.
const MAX_FIELD_NAME = 100;

function fieldName(name: string): string {
  return name.length > MAX_FIELD_NAME ? `${name.slice(0, MAX_FIELD_NAME)}…` : name;
}

function escapePointer(name: string): string {
  return fieldName(name).replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Ajv's error, rephrased so that the field it is about is named: ajv names an unknown or missing
 * field only in `params` ("must NOT have additional properties" names none). `where` is the
 * detail's prefix, in Fastify's style ("body/quantity").
 */
function describeField(
  part: string,
  error: FastifySchemaValidationError,
): { where: string; field: FieldProblem } {
  const params = error.params as Record<string, unknown>;
  const extra = params.additionalProperty ?? params.unevaluatedProperty;
  const missing = params.missingProperty;
  let path = error.instancePath;
  let detail = error.message ?? 'is invalid';
  if (typeof extra === 'string') {
    path += `/${escapePointer(extra)}`;
    detail = 'is not an allowed field';
  } else if (typeof missing === 'string') {
    path += `/${escapePointer(missing)}`;
    detail = 'is required';
  }
  const where = `${part}${path}`;
  if (part === 'body') return { where, field: { pointer: `#${path}`, detail } };
  const name = path.slice(1).split('/')[0] ?? '';
  return {
    where,
    field: part === 'headers' ? { header: name, detail } : { parameter: name, detail },
  };
}

interface Classified {
  status: number;
  code: string;
  detail: string;
  errors?: FieldProblem[];
}

function classify(error: FastifyError | Error): Classified {
  if (error instanceof BulwarkError) {
    return {
      status: error.status,
      code: error.code,
      detail: error.expose ? error.message : 'the service could not complete the request',
    };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const part = fastifyError.validationContext ?? 'body';
    const described = fastifyError.validation.map((e) => describeField(part, e));
    const first = described[0];
    return {
      status: 400,
      code: 'BW_VALIDATION',
      detail: first ? `${first.where} ${first.field.detail}` : fastifyError.message,
      errors: described.map((d) => d.field),
    };
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const known = fastifyError.code ? FRAMEWORK_ERRORS[fastifyError.code] : undefined;
    const detail =
      known?.detail ??
      (error instanceof SyntaxError
        ? 'the request body is not valid JSON'
        : (STATUS_CODES[status] ?? 'bad request').toLowerCase());
    return { status, code: known?.code ?? `BW_HTTP_${status}`, detail };
  }
  return {
    status: 500,
    code: 'BW_INTERNAL',
    detail: 'an internal error occurred; quote the errorId when reporting it',
  };
}

export function problemFor(error: FastifyError | Error, request: FastifyRequest): ProblemDetails {
  const { status, code, detail, errors } = classify(error);
  return {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? '/',
    code,
    errorId: randomUUID(),
    requestId: request.id,
    ...(errors ? { errors } : {}),
  };
}

/** The kit's error handler: one problem body per error, and one log line naming its errorId. */
export function sendProblem(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  // The HTTP parser failed mid-body and the answer already went out on the raw socket (and was
  // logged there); what reaches here is the request stream's abort.
  if (wasAnsweredOutOfBand(request.raw)) return;
  const problem = problemFor(error, request);
  const fields = {
    err: error,
    error_id: problem.errorId,
    code: problem.code,
    status: problem.status,
  };
  if (problem.status < 500) {
    request.log.info({ ...fields, err: undefined, detail: problem.detail }, 'request rejected');
  } else if (error instanceof BulwarkError && error.expose) {
    request.log.warn({ ...fields, err: undefined, detail: problem.detail }, 'request refused');
  } else {
    request.log.error(fields, 'request failed');
  }
  const span = trace.getActiveSpan();
  span?.setAttribute('error.id', problem.errorId);
  if (error instanceof MethodNotAllowedError) reply.header('allow', error.allow.join(', '));
  const unread = unreadBody(request.raw);
  if (unread !== 'none') {
    // Answered before the body was read (too large, wrong type, no route): a large or unsized
    // rest is not worth reading, so the connection closes, without destroying the answer
    // (lingering-close.ts).
    if (unread === 'close') reply.header('connection', 'close');
    lingerAfterResponse(request.raw);
  }
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * The not-found handler: 405 with an Allow header when the path exists under other methods
 * (RFC 9110), 404 otherwise. The router is asked only here, on the error path.
 */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply) {
  const allow = allowedMethods(request.server, request.url);
  // A route that calls reply.callNotFound() lands here with its own method among the allowed.
  const error =
    allow.length > 0 && !allow.includes(request.method)
      ? new MethodNotAllowedError(request.method, allow)
      : new NotFoundError('no route matches this method and path');
  return sendProblem(error, request, reply);
}
