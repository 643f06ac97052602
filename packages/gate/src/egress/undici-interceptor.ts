import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import type { EgressDestination, EgressScheme } from '../policy/types.js';
import { undici } from '../undici-on-use.js';
import type { EgressGuard } from './guard.js';

/**
 * Layer one of in-process egress: an undici interceptor that judges a request's origin (scheme,
 * host, port) before anything is dispatched, so a refused request never opens a socket and fails
 * with EgressDeniedError. It sees names, not addresses: what a name resolves to is judged by the
 * socket guard (socket-guard.ts), after DNS.
 *
 * Compose it onto a dispatcher (`agent.compose(egressInterceptor(guard))`, the kit's HttpClient
 * `interceptors` option) or onto the global one with guardGlobalDispatcher.
 */
export function egressInterceptor(guard: EgressGuard): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) =>
    function egressGuardInterceptor(options, handler) {
      if (options.origin !== undefined) {
        try {
          guard.assert(destinationOfOrigin(options.origin), 'dispatcher');
        } catch (error) {
          failRequest(handler, error as Error);
          // Not busy: the refused request is finished, nothing waits for 'drain'.
          return true;
        }
      }
      return dispatch(options, handler);
    };
}

/** The destination an origin (`https://api.example.com`, `http://[::1]:8080`) names. */
export function destinationOfOrigin(origin: string | URL): EgressDestination {
  const url = typeof origin === 'string' ? new URL(origin) : origin;
  const scheme = schemeOf(url.protocol);
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  // URL keeps IPv6 literals bracketed; the policy compares bare addresses.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(hostname) === 0
    ? { scheme, host: hostname.toLowerCase(), port }
    : { scheme, address: hostname, port };
}

/**
 * Composes the guard onto undici's global dispatcher: the one `undici.request`/`undici.fetch`
 * use without a dispatcher option, and on Node 20 the one the built-in `globalThis.fetch` uses
 * too: npm undici 7 writes its global under both `Symbol.for('undici.globalDispatcher.2')` and
 * the `.1` symbol Node's bundled undici 6 reads. That holds whichever loaded first (when fetch
 * ran first, the dispatcher composed here is Node's own undici 6 Agent); a test proves both.
 * Requests given their own dispatcher bypass it: compose the interceptor onto those.
 * Returns the uninstall, which puts back the dispatcher it found unless someone replaced the
 * guarded one since (then it leaves theirs alone).
 */
export function guardGlobalDispatcher(guard: EgressGuard): () => void {
  const { getGlobalDispatcher, setGlobalDispatcher } = undici();
  const previous = getGlobalDispatcher();
  const guarded = previous.compose(egressInterceptor(guard));
  setGlobalDispatcher(guarded);
  let installed = true;
  return () => {
    if (!installed) return;
    installed = false;
    if (getGlobalDispatcher() === guarded) setGlobalDispatcher(previous);
  };
}

/**
 * Fails a request that was never dispatched. Interceptors composed by undici 7 receive
 * handlers with the v7 API (onResponseError); Node's bundled undici 6 (the global dispatcher
 * when built-in fetch ran before npm undici loaded) hands over v6 handlers (onError).
 */
function failRequest(handler: Dispatcher.DispatchHandler, error: Error): void {
  if (typeof handler.onResponseError === 'function') {
    handler.onResponseError(refusedController(error), error);
  } else if (typeof handler.onError === 'function') {
    handler.onError(error);
  } else {
    throw error;
  }
}

/** The controller of a request that ended before it started: already aborted, nothing to pause. */
function refusedController(reason: Error): Dispatcher.DispatchController {
  return {
    aborted: true,
    paused: false,
    reason,
    abort: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
  };
}

function schemeOf(protocol: string): EgressScheme | undefined {
  if (protocol === 'https:' || protocol === 'wss:') return 'https';
  if (protocol === 'http:' || protocol === 'ws:') return 'http';
  return undefined;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' || protocol === 'wss:' ? 443 : 80;
}
