import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { Agent, Dispatcher } from 'undici';
import type { ServiceConfig } from '../config.js';
import { ResponseTooLargeError } from '../errors.js';
import type { HealthReport } from '../probes/types.js';
import { AttemptDeadline } from '../resilience/attempt-deadline.js';
import { isRetryableRequest, OutboundPolicies } from '../resilience/outbound-policies.js';
import { markWireErrors } from '../resilience/wire-errors.js';
import type { Tracing } from '../tracing/tracing.js';
import { undici } from './undici-on-use.js';

export interface HttpRequestOptions {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * Total time for the request, headers and body; default from the client. With policies it
   * bounds each attempt (a retry gets the same time again).
   */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Sent as the Idempotency-Key header. The upstream promises to apply a request with a key it
   * has seen once only, so a request carrying one (a POST too) may be retried.
   */
  idempotencyKey?: string;
  /** false: never retry this call (it still goes through the breaker and the bulkhead). */
  retry?: false;
  /**
   * Refuse a body longer than this (ResponseTooLargeError, the connection dropped) instead of
   * buffering whatever the other side sends: for URLs a caller chose, such as a tool's.
   */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

export interface HttpClientOptions {
  /** Default total time for a request (an attempt, with policies); policies.timeoutMs or 10 s. */
  timeoutMs?: number;
  /**
   * undici interceptors every request passes through, composed onto the client's Agent (the
   * last one runs first), e.g. an egress guard that refuses a destination before it is dialled.
   */
  interceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
  /**
   * Timeout, retry, breaker and bulkhead settings, per upstream origin (the service passes its
   * config.outbound). Without them every call is sent once, as a plain client would.
   */
  policies?: ServiceConfig['outbound'];
  /** Where the breaker and retry metrics go. */
  registry?: Registry;
}

/**
 * Outbound HTTP with trace propagation: each attempt is a CLIENT span whose context is injected
 * as traceparent, so the callee's server span becomes its child. One undici Agent (a keep-alive
 * pool) per service, closed with the service's resources. With `policies`, calls go through the
 * per-origin timeout, retry, circuit breaker and bulkhead of resilience/outbound-policies.ts.
 */
export class HttpClient {
  readonly #tracing: Tracing;
  readonly #agent: Agent;
  /** The agent, or the agent composed with the interceptors: what requests are sent through. */
  readonly #dispatcher: Dispatcher;
  readonly #timeoutMs: number;
  readonly #policies: OutboundPolicies | undefined;

  constructor(tracing: Tracing, options: HttpClientOptions = {}) {
    this.#tracing = tracing;
    this.#timeoutMs = options.timeoutMs ?? options.policies?.timeoutMs ?? 10_000;
    this.#agent = new (undici().Agent)({ keepAliveTimeout: 10_000 });
    const interceptors = options.interceptors ?? [];
    if (options.policies) {
      this.#policies = new OutboundPolicies(options.policies, options.registry);
      // Innermost, so it sees only what the Agent reports: the breaker's evidence.
      this.#dispatcher = this.#agent.compose([markWireErrors, ...interceptors]);
    } else {
      this.#policies = undefined;
      this.#dispatcher =
        interceptors.length > 0 ? this.#agent.compose([...interceptors]) : this.#agent;
    }
  }

  async request(url: string | URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const method = options.method ?? 'GET';
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const headers =
      options.idempotencyKey === undefined
        ? options.headers
        : { ...options.headers, 'idempotency-key': options.idempotencyKey };
    const attempt = (resend: number, deadline: AttemptDeadline) =>
      this.#attempt(target, method, headers, options.body, resend, deadline);
    let response: Dispatcher.ResponseData;
    if (this.#policies === undefined) {
      response = await attempt(0, new AttemptDeadline(timeoutMs, options.signal));
    } else {
      response = await this.#policies.send(
        {
          upstream: upstreamOf(target),
          retryable: isRetryableRequest(method, options.idempotencyKey, options.retry),
          timeoutMs,
          signal: options.signal,
        },
        attempt,
      );
    }
    // The body is read once, by whichever accessor the caller uses.
    const bodyText =
      options.maxBodyBytes === undefined
        ? response.body.text()
        : readCapped(response.body, options.maxBodyBytes);
    bodyText.catch(() => undefined);
    return {
      statusCode: response.statusCode,
      headers: response.headers,
      text: () => bodyText,
      json: async <T>() => JSON.parse(await bodyText) as T,
    };
  }

  /** One attempt: its own CLIENT span, injected into its own copy of the headers. */
  async #attempt(
    target: URL,
    method: Dispatcher.HttpMethod,
    baseHeaders: Record<string, string> | undefined,
    body: string | Buffer | undefined,
    resend: number,
    deadline: AttemptDeadline,
  ): Promise<Dispatcher.ResponseData> {
    const span = this.#tracing.startSpan(method, SpanKind.CLIENT, context.active(), {
      'http.request.method': method,
      'server.address': target.hostname,
      'url.path': target.pathname,
    });
    if (resend > 0) span.setAttribute('http.request.resend_count', resend);
    const headers: Record<string, string> = { ...baseHeaders };
    this.#tracing.inject(headers, trace.setSpan(context.active(), span));
    try {
      const response = await undici().request(target, {
        method,
        headers,
        body,
        signal: deadline,
        dispatcher: this.#dispatcher,
      });
      // The deadline covers the body too: it stops once the body is read or dropped.
      response.body.once('close', deadline.end);
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return response;
    } catch (error) {
      deadline.end();
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  /** /health's `outbound` section: each upstream's breaker; warn while any is not closed. */
  health(): HealthReport {
    return this.#policies?.health() ?? { status: 'pass', breakers: [] };
  }

  close(): Promise<void> {
    this.#policies?.close();
    return this.#agent.close();
  }
}

/** scheme://host:port, the port written even when it is the scheme's default. */
function upstreamOf(target: URL): string {
  if (target.port !== '') return target.origin;
  return `${target.origin}:${target.protocol === 'https:' ? 443 : 80}`;
}

async function readCapped(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new ResponseTooLargeError(maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
