/**
 * A kit service whose readiness and routes depend on one real dependency, for drill.dependency:
 *   DRILL_DEPENDENCY      postgres | redis | nats
 *   DRILL_DEPENDENCY_URL  where it is (a private server started by the test)
 *   DRILL_BROKEN=hangs    (postgres) the hand-rolled "wait for the database" loop: every query
 *                         is retried until the database answers, with no deadline, so a
 *                         request during an outage hangs instead of failing fast. Its readiness
 *                         probe is the kit's, so /ready still turns 503: only the requests hang.
 * Routes: GET /v1/dependency (one round trip through it), POST /v1/items {id} and
 * GET /v1/items/:id (stored in it; postgres and redis). The healthy variants bound every call
 * (connect and query timeouts, no offline queue) and answer 503 in problem+json when it fails.
 */

import {
  createService,
  DependencyUnavailableError,
  NotFoundError,
  natsProbe,
  postgresProbe,
  redisProbe,
  runService,
  type Service,
} from '@bulwark/kit';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import pg from 'pg';

interface Store {
  roundTrip(): Promise<void>;
  put(id: string, body: string): Promise<void>;
  get(id: string): Promise<string | undefined>;
}

const kind = process.env.DRILL_DEPENDENCY ?? 'postgres';
const url = process.env.DRILL_DEPENDENCY_URL ?? '';
const hangs = process.env.DRILL_BROKEN === 'hangs';

await runService(async () => {
  const service = createService({ name: `drill-${kind}-service`, version: '1.0.0' });
  const store =
    kind === 'postgres'
      ? await postgresStore(service)
      : kind === 'redis'
        ? redisStore(service)
        : await natsStore(service);
  const unavailable = (error: unknown) =>
    new DependencyUnavailableError(`${kind} is unavailable`, { cause: error });
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw unavailable(error);
    }
  };

  service.app.get('/v1/dependency', async () => {
    await guarded(() => store.roundTrip());
    return { ok: true };
  });
  service.app.post<{ Body: { id: string } }>(
    '/v1/items',
    {
      schema: {
        body: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', maxLength: 200 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      await guarded(() => store.put(request.body.id, JSON.stringify(request.body)));
      return reply.code(201).send(request.body);
    },
  );
  service.app.get<{ Params: { id: string } }>('/v1/items/:id', async (request) => {
    const found = await guarded(() => store.get(request.params.id));
    if (found === undefined) throw new NotFoundError(`no item ${request.params.id}`);
    return JSON.parse(found) as unknown;
  });
  return service;
});

async function postgresStore(service: Service): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    // The healthy service bounds both the wait for a connection and each query.
    ...(hangs ? {} : { connectionTimeoutMillis: 1000, query_timeout: 1000 }),
  });
  // An idle client whose server went away emits 'error' on the pool; the next query reports it.
  pool.on('error', () => undefined);
  service.resources.add('postgres', () => pool.end());
  service.addReadinessProbe(postgresProbe(pool));
  await pool.query(
    'CREATE TABLE IF NOT EXISTS drill_items (id text PRIMARY KEY, body text NOT NULL)',
  );
  const query = hangs ? untilAnswered : (run: () => Promise<pg.QueryResult>) => run();
  return {
    roundTrip: async () => {
      await query(() => pool.query('SELECT 1'));
    },
    put: async (id, body) => {
      await query(() =>
        pool.query('INSERT INTO drill_items (id, body) VALUES ($1, $2)', [id, body]),
      );
    },
    get: async (id) => {
      const result = await query(() =>
        pool.query('SELECT body FROM drill_items WHERE id = $1', [id]),
      );
      return (result.rows[0] as { body: string } | undefined)?.body;
    },
  };
}

/** The broken pattern: retry until the database answers, however long that takes. */
async function untilAnswered<T>(run: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await run();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function redisStore(service: Service): Store {
  const redis = new Redis(url, {
    // Commands fail at once while disconnected instead of queueing for the reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: () => 200,
  });
  redis.on('error', () => undefined);
  service.resources.add('redis', async () => {
    redis.disconnect();
  });
  service.addReadinessProbe(redisProbe(redis));
  return {
    roundTrip: async () => {
      await redis.ping();
    },
    put: async (id, body) => {
      await redis.set(`drill:item:${id}`, body);
    },
    get: async (id) => (await redis.get(`drill:item:${id}`)) ?? undefined,
  };
}

async function natsStore(service: Service): Promise<Store> {
  const nc: NatsConnection = await connect({
    servers: url,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 200,
  });
  service.resources.add('nats', () => nc.close());
  service.addReadinessProbe(natsProbe(nc));
  const subject = `drill.echo.${process.pid}`;
  nc.subscribe(subject, {
    callback: (_error, message) => {
      message.respond('pong');
    },
  });
  return {
    // A request answered by this process's own subscription: a round trip through the server.
    roundTrip: async () => {
      await nc.request(subject, 'ping', { timeout: 1000 });
    },
    put: async () => {
      throw new Error('no store on NATS');
    },
    get: async () => undefined,
  };
}
