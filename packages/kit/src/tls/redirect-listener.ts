import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBLEM_CONTENT_TYPE } from '../http/problem.js';
import { redirectHost } from './redirect-host.js';

export interface RedirectListenerOptions {
  /** The address to bind, also the host redirected to when the request names no usable one. */
  host: string;
  /** The port to listen on (0: any free port). */
  port: number;
  /** Where HTTPS is served. */
  httpsPort: number;
}

export interface RedirectListener {
  port: number;
  close(): Promise<void>;
}

// The same few bytes for every answer: nothing of the request is in them.
const BODY = JSON.stringify({
  type: 'about:blank',
  title: 'Permanent Redirect',
  status: 308,
  detail: 'this service is served over HTTPS; the Location header has the address',
});
const BODY_LENGTH = String(Buffer.byteLength(BODY));

/**
 * A plain-HTTP listener that answers every request with 308 Permanent Redirect to the same path
 * and query over HTTPS (308, not 301: the method and body are kept). The host of the Location is
 * the one the client asked for only when the Host header is a well-formed host name or IP
 * address; anything else is replaced by the listener's own host, so the header can never be made
 * to carry text of the client's choosing (response splitting, open redirect via odd authorities).
 */
export async function startRedirectListener(
  options: RedirectListenerOptions,
): Promise<RedirectListener> {
  const { host, port, httpsPort } = options;
  const portSuffix = httpsPort === 443 ? '' : `:${httpsPort}`;
  const server = createServer((req, res) => redirect(req, res, host, portSuffix));
  // It only ever answers one small response: a client holding a connection open gets little.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.listen({ host, port });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw error;
    }),
  ]);
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      if (!server.listening) return;
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function redirect(
  req: IncomingMessage,
  res: ServerResponse,
  fallbackHost: string,
  portSuffix: string,
): void {
  const location = `https://${redirectHost(req.headers.host, fallbackHost)}${portSuffix}${pathAndQuery(req.url)}`;
  res.writeHead(308, {
    location,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': BODY_LENGTH,
    'cache-control': 'no-store',
  });
  res.end(BODY);
}

/**
 * The request target as an origin-form path and query. An absolute-form target (a proxy-style
 * `GET http://host/path`) keeps only its path; `*` and anything unparseable become `/`. Node's
 * parser already refuses targets with bytes outside printable ASCII; they are percent-encoded
 * here too, so the header stays valid should a lenient parser (insecureHTTPParser) let one by.
 */
function pathAndQuery(target: string | undefined): string {
  if (target === undefined || target === '') return '/';
  let path = target;
  if (!path.startsWith('/')) {
    try {
      const url = new URL(path);
      path = `${url.pathname}${url.search}`;
    } catch {
      return '/';
    }
  }
  return path.replace(
    /[^\x21-\x7e]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
