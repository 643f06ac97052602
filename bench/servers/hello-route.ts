// The route every bench:kit server serves, so that bare Fastify and a kit service differ only in
// the kit. BENCH_ROUTE picks its work:
//   empty     (default) answers from memory: the kit's fixed cost is the whole difference, the
//             worst case for the ratio
//   postgres  one query per request on PostgreSQL (BENCH_POSTGRES_URL, default the local
//             server), the shape of a typical API route
// With `schema`, the route declares its parameter and its answer, as a route behind
// authentication and rate limits would: the validator and the compiled serializer run too.
import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import pg from 'pg';

export interface HelloRoute {
  /** Releases what the route holds (the PostgreSQL pool). */
  close(): Promise<void>;
}

const HELLO_SCHEMA = {
  params: {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
    required: ['name'],
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: { hello: { type: 'string' } },
      required: ['hello'],
      additionalProperties: false,
    },
  },
} as const;

export function registerHelloRoute(
  app: FastifyInstance,
  { schema = false }: { schema?: boolean } = {},
): HelloRoute {
  const options: RouteShorthandOptions = schema ? { schema: HELLO_SCHEMA } : {};
  if (process.env.BENCH_ROUTE === 'postgres') {
    const pool = new pg.Pool({
      connectionString:
        process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      max: 16,
    });
    app.get('/v1/hello/:name', options, async (request) => {
      const { name } = request.params as { name: string };
      const { rows } = await pool.query<{ hello: string }>('SELECT $1::text AS hello', [name]);
      return rows[0];
    });
    return { close: () => pool.end() };
  }
  app.get('/v1/hello/:name', options, async (request) => ({
    hello: (request.params as { name: string }).name,
  }));
  return { close: async () => {} };
}

/** For the servers without the kit's lifecycle: close the server, then the route, then exit. */
export function exitOnSigterm(app: FastifyInstance, route: HelloRoute): void {
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => route.close())
      .then(() => process.exit(0));
  });
}
