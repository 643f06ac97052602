import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HEADERS } from '../contract.js';
import { withRequestId } from '../tracing/request-context.js';
import { type Tracing, traceresponseFor } from '../tracing/tracing.js';

const REQUEST_ID = Symbol('bulwark.requestId');
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type RequestWithId = IncomingMessage & { [REQUEST_ID]?: string };

export interface TracedServerOptions {
  tracing: Tracing;
  /** Read per request: once true, every response carries Connection: close. */
  isDraining: () => boolean;
  /**
   * Told when a request arrives and when its response closes. Fastify's onResponse does not run
   * for a response cut off by a closed socket; 'close' on the raw response always fires.
   */
  onRequestStart: () => void;
  onRequestEnd: (outcome: { aborted: boolean; requestId: string; statusCode: number }) => void;
}

/**
 * A Fastify `serverFactory` whose request listener opens the server span and the request id
 * before Fastify sees the request, then runs all of Fastify's handling inside that context.
 * Hooks cannot do this: a context entered in onRequest does not cover the rest of the chain.
 */
export function tracedServerFactory(options: TracedServerOptions) {
  const { tracing, isDraining, onRequestStart, onRequestEnd } = options;
  return (handler: (req: IncomingMessage, res: ServerResponse) => void): Server =>
    createServer((req: RequestWithId, res) => {
      const inbound = req.headers[HEADERS.requestId];
      const requestId =
        typeof inbound === 'string' && ACCEPTABLE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
      req[REQUEST_ID] = requestId;
      const parent = tracing.extract(req.headers, ROOT_CONTEXT);
      const span = tracing.tracer.startSpan(
        req.method ?? 'HTTP',
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '' } },
        parent,
      );
      res.setHeader(HEADERS.requestId, requestId);
      res.setHeader(HEADERS.traceresponse, traceresponseFor(span));
      if (isDraining()) res.setHeader('connection', 'close');
      onRequestStart();
      res.once('close', () => {
        const aborted = !res.writableFinished;
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500 || aborted) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        onRequestEnd({ aborted, requestId, statusCode: res.statusCode });
      });
      context.with(
        withRequestId(trace.setSpan(parent, span), requestId),
        handler,
        undefined,
        req,
        res,
      );
    });
}

/** Fastify `genReqId`: the id chosen by the server factory. */
export function requestIdOf(req: IncomingMessage): string {
  return (req as RequestWithId)[REQUEST_ID] ?? randomUUID();
}
