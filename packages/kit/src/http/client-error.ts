import { randomUUID } from 'node:crypto';
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ROOT_CONTEXT, type Span, SpanKind } from '@opentelemetry/api';
import { HEADERS, UNMATCHED_ROUTE } from '../contract.js';
import type { Logger } from '../logging/logger.js';
import { randomRequestId } from '../tracing/random-ids.js';
import { type Tracing, traceresponseFor } from '../tracing/tracing.js';
import { lingeringRead, lingerThenClose } from './lingering-close.js';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails, problemType } from './problem.js';
import { answeredOutOfBand } from './traced-server.js';

/** What Node passes to 'clientError': a socket error, or the HTTP parser's (code HPE_*). */
export interface ClientError extends Error {
  code?: string;
  /** llhttp's fixed description of a parse error, e.g. "Invalid header value char". */
  reason?: string;
  /** The bytes being parsed when it failed. */
  rawPacket?: unknown;
}

export interface ClientErrorOptions {
  tracing: Tracing;
  logger: Logger;
  /** Counts a rejection that belongs to no request in the request metrics. */
  observe(method: string, statusCode: number): void;
}

interface Rejection {
  status: number;
  code: string;
  detail: string;
}

const ANSWERED = Symbol('bulwark.clientErrorAnswered');
const METHOD_TOKEN = /^[A-Z]{3,7}$/;

function rejectionFor(error: ClientError): Rejection | undefined {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'BW_HEADERS_TOO_LARGE',
        detail: 'the request line and headers are larger than the server accepts',
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        code: 'BW_CHUNK_EXTENSIONS_TOO_LARGE',
        detail: 'the chunk extensions of the request body are too large',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'BW_REQUEST_TIMEOUT',
        detail: 'the request was not received in full in time',
      };
  }
  if (error.code?.startsWith('HPE_')) {
    // llhttp's reasons are fixed strings from the parser, never the request's bytes.
    const reason =
      typeof error.reason === 'string' && /^[\x20-\x7e]{1,120}$/.test(error.reason)
        ? ` (${error.reason})`
        : '';
    return {
      status: 400,
      code: 'BW_MALFORMED_REQUEST',
      detail: `the request is not valid HTTP/1.1${reason}`,
    };
  }
  // ECONNRESET and other socket errors: the connection is gone, there is no one to answer.
  return undefined;
}

function methodOf(rawPacket: unknown): string {
  if (!Buffer.isBuffer(rawPacket)) return 'OTHER';
  const space = rawPacket.indexOf(0x20);
  if (space < 3 || space > 7) return 'OTHER';
  const token = rawPacket.toString('latin1', 0, space);
  return METHOD_TOKEN.test(token) ? token : 'OTHER';
}

/** A complete HTTP/1.1 response, written straight to the socket: the parser is past use. */
function rawResponse(problem: ProblemDetails, traceresponse: string): string {
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
    `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n' +
    `${HEADERS.requestId}: ${problem.requestId}\r\n` +
    `${HEADERS.traceresponse}: ${traceresponse}\r\n` +
    `date: ${new Date().toUTCString()}\r\n` +
    `\r\n${body}`
  );
}

/**
 * Fastify `clientErrorHandler` (Node's server 'clientError'): errors Node raises before any
 * request object exists, or after the parser gave up on one (a malformed request line, a bad
 * header, Content-Length with Transfer-Encoding, a bad chunk, oversized headers, a request
 * timeout). Node's and Fastify's defaults answer with a bare body and log nothing; here the
 * answer is problem+json with an errorId and the contract's headers, logged once and counted.
 *
 * The answer is written to the raw socket only when it cannot be mistaken for the answer to
 * another request: the socket is writable and no response on it has started, or the in-flight
 * response is for the very request whose bytes failed to parse. A pipelined request behind one
 * still being answered gets no answer; the connection is closed.
 */
export function clientErrorHandler(options: ClientErrorOptions) {
  const { tracing, logger, observe } = options;
  return (error: ClientError, socket: Socket): void => {
    const marked = socket as Socket & { [ANSWERED]?: true };
    // Once the parser has failed it fails again on every later chunk: one answer per socket,
    // and each further chunk is what the lingering close reads.
    if (marked[ANSWERED]) {
      lingeringRead(socket, Buffer.isBuffer(error.rawPacket) ? error.rawPacket.length : 0);
      return;
    }
    marked[ANSWERED] = true;
    const rejection = rejectionFor(error);
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    const answerable =
      rejection !== undefined &&
      socket.writable &&
      (inFlight == null || (!inFlight.headersSent && !inFlight.req.complete));
    if (!answerable) {
      logger.debug({ code: error.code }, 'client connection error; no answer possible');
      socket.destroy();
      return;
    }
    const { status, code, detail } = rejection;
    const method = inFlight?.req.method ?? methodOf(error.rawPacket);
    const request = inFlight ? answeredOutOfBand(inFlight.req, status) : undefined;
    let span: Span;
    let requestId: string;
    let route = UNMATCHED_ROUTE;
    if (request) {
      ({ span, requestId, route } = request);
    } else {
      requestId = randomRequestId();
      span = tracing.startSpan(`${method} ${UNMATCHED_ROUTE}`, SpanKind.SERVER, ROOT_CONTEXT, {
        'http.route': UNMATCHED_ROUTE,
        'http.response.status_code': status,
      });
    }
    const problem: ProblemDetails = {
      type: problemType(code),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      code,
      errorId: randomUUID(),
      requestId,
    };
    span.setAttribute('error.id', problem.errorId);
    const { traceId, spanId } = span.spanContext();
    socket.write(rawResponse(problem, traceresponseFor(span)));
    logger.info(
      {
        trace_id: traceId,
        span_id: spanId,
        request_id: requestId,
        error_id: problem.errorId,
        code,
        status,
        detail,
        parse_error: error.code,
        method,
        route,
      },
      'request rejected',
    );
    if (!request) {
      // An in-flight request is counted when its response closes, with this status.
      span.end();
      observe(method, status);
    }
    lingerThenClose(socket, inFlight?.req);
  };
}
