import { undici } from '../http/undici-on-use.js';
import { type DependencyProbe, dependencyProbe } from './types.js';

/*
 * Probes for the dependencies the plans name. Each takes the client the service already owns
 * (structurally typed, so the kit does not depend on any driver): a probe reuses the pool, it
 * never opens connections of its own.
 */

export interface ProbeOptions {
  name?: string;
  critical?: boolean;
  timeoutMs?: number;
}

/** `pg.Pool`, `pg.Client` or PGlite. */
export interface SqlQueryable {
  query(sql: string): Promise<unknown>;
}

export function postgresProbe(db: SqlQueryable, options: ProbeOptions = {}): DependencyProbe {
  return dependencyProbe({ name: 'postgres', ...options }, () => db.query('SELECT 1'));
}

/** ioredis or node-redis. */
export interface RedisPingable {
  ping(): Promise<string>;
}

export function redisProbe(redis: RedisPingable, options: ProbeOptions = {}): DependencyProbe {
  return dependencyProbe({ name: 'redis', ...options }, async () => {
    const reply = await redis.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
  });
}

/** A NATS connection (@nats-io/transport-node or nats). */
export interface NatsFlushable {
  isClosed(): boolean;
  flush(): Promise<void>;
}

export function natsProbe(nats: NatsFlushable, options: ProbeOptions = {}): DependencyProbe {
  return dependencyProbe({ name: 'nats', ...options }, async () => {
    if (nats.isClosed()) throw new Error('connection closed');
    // A flush is a PING/PONG round trip to the server.
    await nats.flush();
  });
}

export interface HttpProbeOptions extends ProbeOptions {
  /** Status codes counted as up; 2xx by default. */
  expectStatus?: (status: number) => boolean;
}

/** An HTTP upstream, typically another service's /ready. */
export function httpProbe(url: string | URL, options: HttpProbeOptions = {}): DependencyProbe {
  const target = new URL(url);
  const expect = options.expectStatus ?? ((status: number) => status >= 200 && status < 300);
  return dependencyProbe({ name: options.name ?? target.host, ...options }, async (signal) => {
    const response = await undici().request(target, { method: 'GET', signal });
    await response.body.dump();
    if (!expect(response.statusCode)) throw new Error(`HTTP ${response.statusCode}`);
  });
}
