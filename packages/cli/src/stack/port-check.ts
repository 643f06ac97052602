import { createServer } from 'node:net';
import { type ResolvedService, STACK_HOST } from './resolve-stack.js';
import { PortInUseError } from './start-errors.js';

/**
 * Refuses to start when any of the stack's ports is taken, before a single process is spawned:
 * otherwise a second `up` would find the first stack answering on its ports and take it for its
 * own. The check binds each port for a moment, the most direct question to ask the kernel (a
 * listener on 0.0.0.0 or a dual-stack [::] also makes a 127.0.0.1 bind fail). What takes a port
 * between this check and the service's own bind is caught by the supervisor: the service exits
 * with EADDRINUSE and never reports the port as its own.
 */
export async function assertPortsFree(services: readonly ResolvedService[]): Promise<void> {
  const wanted = services.flatMap((service) => [
    { port: service.port, owner: service.name, flags: `--port ${service.name}=N or --port-base N` },
    ...(service.redirectPort === undefined
      ? []
      : [
          {
            port: service.redirectPort,
            owner: `${service.name}'s HTTPS redirect`,
            flags: '--port-base N',
          },
        ]),
  ]);
  for (const { port, owner, flags } of wanted) {
    const code = await tryBind(port);
    if (code === undefined) continue;
    throw new PortInUseError(
      code === 'EADDRINUSE'
        ? `port ${port} (${owner}) is already in use on ${STACK_HOST}; ` +
            `stop what holds it (another stack?) or move this one with ${flags}`
        : `port ${port} (${owner}) cannot be bound on ${STACK_HOST} (${code}); ` +
            `choose another with ${flags}`,
    );
  }
}

/** Undefined when the port could be bound (and was released again), else the error code. */
function tryBind(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    server.listen({ host: STACK_HOST, port, exclusive: true }, () => {
      server.close(() => resolve(undefined));
    });
  });
}
