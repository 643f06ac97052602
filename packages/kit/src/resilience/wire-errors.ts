import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { BulwarkError } from '../errors.js';

/** undici's header record (types/header.d.ts), which its package index does not export. */
type IncomingHttpHeaders = Record<string, string | string[] | undefined>;

/*
 * Which errors are the upstream's fault. A breaker that counted every rejection would open on
 * errors no upstream caused: an egress guard refusing a destination before it is dialled, a
 * caller giving up, an argument undici refuses. Only what happened on the way to the upstream
 * and back counts, and that is what passes the innermost interceptor below (the one next to
 * the Agent): interceptors composed outside it fail a request without going through it.
 */

/** Errors the Agent reported: connection refused or reset, TLS failures, socket timeouts. */
const fromTheWire = new WeakSet<object>();

/**
 * The innermost interceptor of a client with policies: it marks every error the Agent reports
 * for a request. Compose it first (undici runs the last interceptor first).
 */
export const markWireErrors: Dispatcher.DispatcherComposeInterceptor = (dispatch) =>
  function markWireErrorsInterceptor(options, handler) {
    return dispatch(options, new WireErrorMarker(handler));
  };

class WireErrorMarker implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler;

  constructor(handler: Dispatcher.DispatchHandler) {
    this.#handler = handler;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    if (typeof error === 'object' && error !== null) fromTheWire.add(error);
    this.#handler.onResponseError?.(controller, error);
  }
}

/**
 * Whether an attempt's error is the upstream's failure: its timeout fired, or the Agent failed
 * it. Never the caller's own abort, nor a BulwarkError (the egress guard's socket check raises
 * one after DNS, inside the Agent: a refusal, not an outage).
 */
export function isUpstreamFailure(
  error: unknown,
  timedOut: boolean,
  callerSignal: AbortSignal | undefined,
): boolean {
  if (callerSignal?.aborted) return false;
  if (timedOut) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    fromTheWire.has(error) &&
    !(error instanceof BulwarkError)
  );
}
