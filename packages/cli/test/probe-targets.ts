import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';

/**
 * Real servers on loopback that break the contract in one way each, for `bulwark probe` to
 * meet. Every one listens on an ephemeral port and closes with every connection it holds.
 */
export interface Target {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(server: TcpServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeAll(server: TcpServer & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
}

/** Accepts TCP and answers like an SSH server: bytes, but not HTTP. */
export async function garbageTcpTarget(): Promise<Target> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.end('SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n');
  });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeAll(server);
    },
  };
}

/** Accepts TCP connections and never writes a byte: a wedged process, or a port-forward to nothing. */
export async function silentTcpTarget(): Promise<Target> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeAll(server);
    },
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server with a handler per path; unknown paths get 404. */
export async function httpTarget(routes: Record<string, Handler>): Promise<Target> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const handler = routes[path];
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  const url = await listen(server);
  return { url, close: () => closeAll(server) };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));
  };
}

/** Echoes the caller's trace id back, as a Trace Context Level 2 server does. */
export const continueTrace: Handler = (req, res) => {
  const traceId = String(req.headers.traceparent ?? '').split('-')[1] ?? '';
  res
    .writeHead(200, {
      'content-type': 'application/json',
      traceresponse: `00-${traceId}-00f067aa0ba902b7-01`,
    })
    .end('{"status":"alive"}');
};

/** Everything the contract asks, by hand, except where a test overrides a route. */
export function contractRoutes(overrides: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    '/live': continueTrace,
    '/startup': json(200, { status: 'started' }),
    '/ready': json(200, { status: 'ready' }),
    '/health': json(200, { status: 'pass', components: [] }),
    '/metrics': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('up 1\n');
    },
    ...overrides,
  };
}

/** Answers every path with 500 and a problem body. */
export function failingTarget(): Promise<Target> {
  return httpTarget(
    Object.fromEntries(
      ['/live', '/startup', '/ready', '/health', '/metrics'].map((path) => [
        path,
        json(500, { type: 'about:blank', title: 'Internal Server Error', status: 500 }),
      ]),
    ),
  );
}

/** Never answers; the probe's deadline has to end the request. */
export const hang: Handler = () => undefined;

/** Streams a body that never ends. */
export const endlessBody: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  const chunk = `${'x_total 1\n'.repeat(6_500)}`;
  const write = () => {
    while (!res.destroyed && res.write(chunk)) {}
    if (!res.destroyed) res.once('drain', write);
  };
  res.on('error', () => undefined);
  write();
};
