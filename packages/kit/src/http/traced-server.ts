import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { HEADERS, UNMATCHED_ROUTE } from '../contract.js';
import { randomRequestId } from '../tracing/random-ids.js';
import { withRequestId } from '../tracing/request-context.js';
import { type Tracing, traceresponseFor } from '../tracing/tracing.js';

const STATE = Symbol('bulwark.request');
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the kit keeps on each raw request between the socket and the response's close. */
interface RequestState {
  readonly requestId: string;
  readonly span: Span;
  readonly startedAt: number;
  route: string;
  probe: boolean;
  /** The authenticated subject, for the access line. */
  subject?: string;
  /** Set when the response went out on the raw socket (a parser error mid-request). */
  answeredWith?: number;
}

type TrackedRequest = IncomingMessage & { [STATE]?: RequestState };

/** Everything known about a request once its response has closed. */
export interface RequestOutcome {
  readonly method: string;
  /** The route template, or UNMATCHED_ROUTE. Never the raw path. */
  readonly route: string;
  /** True for the contract's probe endpoints, whose traffic is not access-log worthy. */
  readonly probe: boolean;
  readonly statusCode: number;
  readonly seconds: number;
  /** The socket closed before the response was fully sent. */
  readonly aborted: boolean;
  readonly requestId: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The authenticated subject, when the request carried valid credentials. */
  readonly subject: string | undefined;
}

export interface TracedServerOptions {
  tracing: Tracing;
  onRequestStart: () => void;
  /**
   * Called once per request when its response closes, finished or not. Fastify's onResponse
   * does not run for a response cut off by a closed socket; 'close' on the raw response always
   * fires, so this is where in-flight counts, metrics and the access log stay exact. It runs
   * outside the request's context: whatever it logs takes the ids from the outcome.
   */
  onRequestEnd: (outcome: RequestOutcome) => void;
  /** Makes the server for the request listener: HTTPS, say. Plain HTTP by default. */
  createServer?: (listener: (req: IncomingMessage, res: ServerResponse) => void) => Server;
}

/**
 * A Fastify `serverFactory` whose request listener opens the request id, the server span and
 * the OpenTelemetry context before Fastify sees the request, then runs all of Fastify's handling
 * inside that context. A hook cannot do this: a context entered in onRequest does not cover the
 * rest of the chain.
 */
export function tracedServerFactory(options: TracedServerOptions) {
  const { tracing, onRequestStart, onRequestEnd } = options;
  const makeServer = options.createServer ?? createServer;
  return (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const server = makeServer((req: TrackedRequest, res) => {
      const inbound = req.headers[HEADERS.requestId];
      const requestId =
        typeof inbound === 'string' && ACCEPTABLE_REQUEST_ID.test(inbound)
          ? inbound
          : randomRequestId();
      // Most requests carry no propagation headers; skip the propagators' parsing for them.
      const headers = req.headers;
      const parent =
        headers.traceparent === undefined && headers.baggage === undefined
          ? ROOT_CONTEXT
          : tracing.extract(headers, ROOT_CONTEXT);
      const method = req.method ?? 'GET';
      const span = tracing.startSpan(method, SpanKind.SERVER, parent, {
        'http.request.method': method,
      });
      const state: RequestState = {
        requestId,
        span,
        startedAt: performance.now(),
        route: UNMATCHED_ROUTE,
        probe: false,
      };
      req[STATE] = state;
      const requestContext = withRequestId(trace.setSpan(parent, span), requestId);
      onRequestStart();
      // 'close' fires once per response, so on() serves without once()'s wrapper.
      res.on('close', () => {
        const answeredWith = state.answeredWith;
        const aborted = answeredWith === undefined && !res.writableFinished;
        const statusCode = answeredWith ?? res.statusCode;
        span.updateName(`${method} ${state.route}`);
        span.setAttribute('http.route', state.route);
        span.setAttribute('http.response.status_code', statusCode);
        if (statusCode >= 500 || aborted) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        const { traceId, spanId } = span.spanContext();
        // The outcome carries the ids, so the end of a request need not re-enter its context
        // (an AsyncLocalStorage run per request): whoever logs from onRequestEnd writes them.
        onRequestEnd({
          method,
          route: state.route,
          probe: state.probe,
          statusCode,
          seconds: (performance.now() - state.startedAt) / 1000,
          aborted,
          requestId,
          traceId,
          spanId,
          subject: state.subject,
        });
      });
      context.with(requestContext, handler, undefined, req, res);
    });
    // An Expect other than 100-continue: Node answers a bare 417 itself unless someone listens.
    // RFC 9110 lets a server ignore an expectation it does not support, so the request is served
    // as if the field were absent, with the same ids, problem bodies and accounting as any other.
    server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) =>
      server.emit('request', req, res),
    );
    return server;
  };
}

/** Fastify `genReqId`: the id the server factory chose. */
export function requestIdOf(req: IncomingMessage): string {
  return (req as TrackedRequest)[STATE]?.requestId ?? randomRequestId();
}

/**
 * Records the matched route on the raw request and returns the response headers the contract
 * adds. Called from the kit's onRequest hook, after routing; the headers go through Fastify's
 * reply so Node keeps its fast path for writing them (a raw setHeader before writeHead makes
 * every header of the response take the slow one).
 */
export function routeMatched(
  req: IncomingMessage,
  route: string,
  probe: boolean,
): { requestId: string; traceresponse: string } | undefined {
  const state = (req as TrackedRequest)[STATE];
  if (state === undefined) return undefined;
  state.route = route;
  state.probe = probe;
  return { requestId: state.requestId, traceresponse: traceresponseFor(state.span) };
}

/** Records who the request authenticated as, for the access line. */
export function authenticatedAs(req: IncomingMessage, subject: string): void {
  const state = (req as TrackedRequest)[STATE];
  if (state !== undefined) state.subject = subject;
}

/**
 * Marks an in-flight request as answered on its raw socket, bypassing its ServerResponse (the
 * HTTP parser failed in the middle of its body, so Node will never finish it): its outcome then
 * carries this status instead of counting as cut off. Returns the request's ids for the answer.
 */
export function answeredOutOfBand(
  req: IncomingMessage,
  statusCode: number,
): { requestId: string; span: Span; route: string } | undefined {
  const state = (req as TrackedRequest)[STATE];
  if (state === undefined) return undefined;
  state.answeredWith = statusCode;
  return { requestId: state.requestId, span: state.span, route: state.route };
}

/** True when the request was already answered on its raw socket; nothing more may be sent. */
export function wasAnsweredOutOfBand(req: IncomingMessage): boolean {
  return (req as TrackedRequest)[STATE]?.answeredWith !== undefined;
}
