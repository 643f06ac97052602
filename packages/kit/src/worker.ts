import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { METRICS } from './contract.js';
import { kitLoggingOptions } from './http/fastify-options.js';
import { registerProbeRoutes } from './http/probe-routes.js';
import { sendNotFound, sendProblem } from './http/problem.js';
import { installProcessHooks } from './lifecycle/process-hooks.js';
import { runShutdown, type ShutdownOutcome, type ShutdownPhase } from './lifecycle/shutdown.js';
import { Runtime, type RuntimeOptions } from './runtime.js';

export interface WorkerOptions extends RuntimeOptions {
  handleProcessSignals?: boolean;
}

/**
 * A process with no public API (a consumer, a scheduler) under the same lifecycle as a service.
 * It serves /live, /startup, /ready, /health and /metrics on a small ops port (`http.port`),
 * and its work runs as background tasks that shutdown aborts. `heartbeat()` from the work loop
 * feeds worker_last_heartbeat_timestamp_seconds, so a stuck loop shows on a dashboard.
 */
export class Worker extends Runtime {
  readonly ops: FastifyInstance;
  readonly #heartbeat: Gauge;
  readonly #handleProcessSignals: boolean;
  #shutdown: Promise<ShutdownOutcome> | undefined;
  #removeProcessHooks: (() => void) | undefined;

  constructor(options: WorkerOptions) {
    const { handleProcessSignals = true, ...runtimeOptions } = options;
    super(runtimeOptions);
    this.#handleProcessSignals = handleProcessSignals;
    this.#heartbeat = new Gauge({
      name: METRICS.workerHeartbeat,
      help: 'Unix time of the last heartbeat from the worker loop.',
      registers: [this.metrics.registry],
    });
    this.ops = Fastify({
      ...kitLoggingOptions(this.logger),
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

  get deadlineMs(): number {
    return this.config.shutdown.deadlineMs;
  }

  async start(): Promise<{ port: number; host: string }> {
    if (this.#handleProcessSignals) this.#removeProcessHooks = installProcessHooks(this);
    const { host, port } = this.config.http;
    await this.ops.listen({ host, port });
    await this.startup();
    this.heartbeat();
    this.logger.info({ host, port: this.port }, `${this.config.name} worker ready`);
    return { host, port: this.port };
  }

  shutdown(reason = 'requested'): Promise<ShutdownOutcome> {
    this.#shutdown ??= this.#runShutdown(reason);
    return this.#shutdown;
  }

  async #runShutdown(reason: string): Promise<ShutdownOutcome> {
    this.logger.info({ reason }, 'shutdown started: /ready now fails');
    this.beginDrain();
    // The ops port stays up until the end, so /live and /metrics can be read during shutdown.
    const phases: ShutdownPhase[] = [
      { name: 'drain-delay', run: () => sleep(this.config.shutdown.drainDelayMs) },
      { name: 'abort-tasks', run: () => this.tasks.abortAll() },
      { name: 'close-resources', run: () => this.resources.closeAll(this.logger) },
      { name: 'close-ops-server', run: () => this.ops.close() },
    ];
    const outcome = await runShutdown(phases, this.logger);
    this.markStopped(outcome.seconds);
    this.logger.info({ shutdown_seconds: outcome.seconds }, 'shutdown complete');
    this.#removeProcessHooks?.();
    return outcome;
  }
}

export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}
