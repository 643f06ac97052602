/**
 * The services the checks' tests run, healthy unless `broken` names one way to break them:
 *   ready-checks-nothing      no readiness probe: /ready is 200 whatever happens
 *   metrics-missing-families  /metrics loses the kit's HTTP families on the way out
 * plus a proxy that strips traceparent on the way in (an ingress that drops trace context).
 */
import { createServer, request, type Server } from 'node:http';
import { createService, dependencyProbe, type Service, type ServiceOptions } from '@bulwark/kit';

export type Breakage = 'ready-checks-nothing' | 'metrics-missing-families';

export function fixtureService(
  broken: Breakage | undefined,
  options: Partial<ServiceOptions> = {},
): Service {
  const service = createService({ name: 'fixture-service', version: '1.2.3', ...options });
  if (broken !== 'ready-checks-nothing') {
    service.addReadinessProbe(dependencyProbe({ name: 'fixture-store' }, async () => undefined));
  }
  if (broken === 'metrics-missing-families') {
    // The way a hand-rolled registry loses them: the exposition no longer has http_server_*.
    service.app.addHook('onSend', async (req, _reply, payload) => {
      if (req.url !== '/metrics' || typeof payload !== 'string') return payload;
      return payload
        .split('\n')
        .filter((line) => !/^(# (HELP|TYPE) )?http_server_/.test(line))
        .join('\n');
    });
  }
  const items = new Map<string, unknown>();
  service.app.get('/v1/items', async () => ({ items: [...items.values()] }));
  service.app.post<{ Body: { id: string } }>(
    '/v1/items',
    {
      schema: {
        body: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' } },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      items.set(req.body.id, req.body);
      return reply.code(201).send(req.body);
    },
  );
  return service;
}

/** Forwards every request to `upstreamPort` without its traceparent and tracestate. */
export function traceDroppingProxy(upstreamPort: number): Server {
  return createServer((incoming, outgoing) => {
    const { traceparent: _dropped, tracestate: _alsoDropped, ...headers } = incoming.headers;
    const forwarded = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        path: incoming.url,
        method: incoming.method,
        headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
}
