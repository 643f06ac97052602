import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Agent, type Dispatcher, request } from 'undici';
import { ResponseTooLargeError } from '../errors.js';
import type { Tracing } from '../tracing/tracing.js';

export interface HttpRequestOptions {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Total time for the request, headers and body; default from the client. */
  timeoutMs?: number;
  signal?: AbortSignal;
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
  /** Default total time for a request; 10 s. */
  timeoutMs?: number;
  /**
   * undici interceptors every request passes through, composed onto the client's Agent (the
   * last one runs first), e.g. an egress guard that refuses a destination before it is dialled.
   */
  interceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
}

/**
 * Outbound HTTP with trace propagation: each call is a CLIENT span whose context is injected as
 * traceparent, so the callee's server span becomes its child. One undici Agent (a keep-alive
 * pool) per service, closed with the service's resources.
 */
export class HttpClient {
  readonly #tracing: Tracing;
  readonly #agent: Agent;
  /** The agent, or the agent composed with the interceptors: what requests are sent through. */
  readonly #dispatcher: Dispatcher;
  readonly #timeoutMs: number;

  constructor(tracing: Tracing, options: HttpClientOptions = {}) {
    this.#tracing = tracing;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#agent = new Agent({ keepAliveTimeout: 10_000 });
    const interceptors = options.interceptors ?? [];
    this.#dispatcher =
      interceptors.length > 0 ? this.#agent.compose([...interceptors]) : this.#agent;
  }

  async request(url: string | URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const method = options.method ?? 'GET';
    const span = this.#tracing.startSpan(method, SpanKind.CLIENT, context.active(), {
      'http.request.method': method,
      'server.address': target.hostname,
      'url.path': target.pathname,
    });
    const headers: Record<string, string> = { ...options.headers };
    this.#tracing.inject(headers, trace.setSpan(context.active(), span));
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const response = await request(target, {
        method,
        headers,
        body: options.body,
        signal,
        dispatcher: this.#dispatcher,
      });
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
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
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
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
