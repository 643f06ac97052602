import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { METRICS } from './contract.js';
import { clientErrorHandler } from './http/client-error.js';
import { kitLoggingOptions } from './http/fastify-options.js';
import { registerProbeRoutes } from './http/probe-routes.js';
import { sendNotFound, sendProblem } from './http/problem.js';
import type { ShutdownPhase } from './lifecycle/shutdown.js';
import { Runtime, type RuntimeOptions } from './runtime.js';

export type WorkerOptions = RuntimeOptions;

/**
 * A process with no public API (a consumer, a scheduler) under the same lifecycle as a service.
 * It serves /live, /startup, /ready, /health and /metrics on a small ops port (`http.port`),
 * and its work runs as background tasks that shutdown aborts. `heartbeat()` from the work loop
 * feeds worker_last_heartbeat_timestamp_seconds, so a stuck loop shows on a dashboard.
 */
export class Worker extends Runtime {
  readonly ops: FastifyInstance;
  readonly #heartbeat: Gauge;

  constructor(options: WorkerOptions) {
    super(options);
    this.#heartbeat = new Gauge({
      name: METRICS.workerHeartbeat,
      help: 'Unix time of the last heartbeat from the worker loop.',
      registers: [this.metrics.registry],
    });
    this.ops = Fastify({
      ...kitLoggingOptions(this.logger),
      // Bytes Node's parser rejects get problem+json here too; the ops port keeps no request
      // metrics (a worker serves no public requests), so there is nothing to count them in.
      clientErrorHandler: clientErrorHandler({
        tracing: this.tracing,
        logger: this.logger,
        observe: () => undefined,
      }),
    });
    this.ops.setErrorHandler(sendProblem);
    this.ops.setNotFoundHandler(sendNotFound);
    registerProbeRoutes(this.ops, this);
  }

  heartbeat(): void {
    this.#heartbeat.set(Date.now() / 1000);
  }

  get port(): number {
    return (this.ops.server.address() as AddressInfo).port;
  }

  async start(): Promise<{ port: number; host: string }> {
    this.installProcessHooks();
    const { host, port } = this.config.http;
    await this.ops.listen({ host, port });
    await this.startup();
    this.heartbeat();
    return { host, port: this.port };
  }

  protected shutdownPhases(): ShutdownPhase[] {
    // The ops port stays up until the end, so /live and /metrics can be read during shutdown.
    return [
      { name: 'drain-delay', run: () => sleep(this.config.shutdown.drainDelayMs) },
      { name: 'abort-tasks', run: () => this.tasks.abortAll() },
      { name: 'close-resources', run: () => this.resources.closeAll(this.logger) },
      { name: 'close-ops-server', run: () => this.ops.close() },
    ];
  }
}

export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}
