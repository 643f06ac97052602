import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DestinationStream } from 'pino';
import { loadConfig, type ServiceConfig, type ServiceConfigInput } from './config.js';
import { installProcessHooks, type ShutdownTarget } from './lifecycle/process-hooks.js';
import { ResourceStack } from './lifecycle/resources.js';
import { runShutdown, type ShutdownOutcome, type ShutdownPhase } from './lifecycle/shutdown.js';
import { BackgroundTasks } from './lifecycle/tasks.js';
import { createLogger, type Logger } from './logging/logger.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { ReadinessMonitor } from './probes/readiness.js';
import type { DependencyProbe, LivenessCheck } from './probes/types.js';
import { Tracing } from './tracing/tracing.js';

export type LifecycleState = 'created' | 'starting' | 'ready' | 'draining' | 'stopped';

export interface RuntimeOptions extends ServiceConfigInput {
  /**
   * Install the kit's SIGTERM/SIGINT and crash handlers when started (default true). Tests that
   * run several services in one process turn it off and call `shutdown()` themselves.
   */
  handleProcessSignals?: boolean;
  /** Environment to read configuration from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Log destination; stdout by default. */
  logDestination?: DestinationStream;
  /** Extra span processors, for an exporter of your own. */
  spanProcessors?: SpanProcessor[];
}

export type ReadyVerdict =
  | { readonly ready: true }
  | {
      readonly ready: false;
      readonly reason: 'starting' | 'draining' | 'dependencies';
      readonly failing: string[];
    };

type StartupHook = { name: string; run: (signal: AbortSignal) => Promise<void> | void };

/**
 * What a service and a worker share: configuration, telemetry, probes, background tasks,
 * resources and the lifecycle state those hang on. The HTTP front ends (service.ts, worker.ts)
 * add the server and the shutdown phases that depend on it.
 */
export abstract class Runtime implements ShutdownTarget {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly tracing: Tracing;
  readonly readiness: ReadinessMonitor;
  readonly tasks: BackgroundTasks;
  readonly resources = new ResourceStack();
  readonly #liveness: LivenessCheck[] = [];
  readonly #startupHooks: StartupHook[] = [];
  readonly #handleProcessSignals: boolean;
  #state: LifecycleState = 'created';
  #shutdown: Promise<ShutdownOutcome> | undefined;
  #removeProcessHooks: (() => void) | undefined;

  constructor(options: RuntimeOptions) {
    const { env, logDestination, spanProcessors, handleProcessSignals = true, ...input } = options;
    this.#handleProcessSignals = handleProcessSignals;
    this.config = loadConfig(input, env);
    const { name, version } = this.config;
    this.logger = createLogger({
      service: name,
      version,
      level: this.config.logging.level,
      destination: logDestination,
    });
    this.metrics = new ServiceMetrics({ service: name, version });
    this.tracing = new Tracing({
      service: name,
      version,
      sampleRatio: this.config.tracing.sampleRatio,
      otlpEndpoint: this.config.tracing.otlpEndpoint,
      spanProcessors,
    });
    this.readiness = new ReadinessMonitor({
      intervalMs: this.config.readiness.intervalMs,
      timeoutMs: this.config.readiness.timeoutMs,
      onEvaluated: (ok, results) => {
        if (ok) this.metrics.readinessLastSuccess.set(Date.now() / 1000);
        for (const result of results) {
          if (!result.ok) {
            this.logger.warn(
              { probe: result.name, error: result.error },
              `probe ${result.name} failing`,
            );
          }
        }
      },
    });
    this.tasks = new BackgroundTasks(this.logger);
    // Registered first so it closes last: spans from the rest of shutdown still get exported.
    this.resources.add('telemetry', () => this.tracing.shutdown());
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** True from the first shutdown signal on: responses then carry Connection: close. */
  get draining(): boolean {
    return this.#state === 'draining' || this.#state === 'stopped';
  }

  /** Work that must finish before the service reports started (migrations, warm-up). */
  onStartup(name: string, run: StartupHook['run']): void {
    if (this.#state !== 'created') throw new TypeError('startup hooks must be added before start');
    this.#startupHooks.push({ name, run });
  }

  addReadinessProbe(probe: DependencyProbe): void {
    this.readiness.add(probe);
  }

  addLivenessCheck(check: LivenessCheck): void {
    if (check.kind !== 'liveness') throw new TypeError('liveness takes liveness checks only');
    this.#liveness.push(check);
  }

  liveness(): { alive: boolean; failing: Array<{ name: string; reason: string }> } {
    const failing: Array<{ name: string; reason: string }> = [];
    for (const check of this.#liveness) {
      const verdict = check.check();
      if (!verdict.alive) failing.push({ name: check.name, reason: verdict.reason });
    }
    return { alive: failing.length === 0, failing };
  }

  ready(): ReadyVerdict {
    if (this.#state === 'created' || this.#state === 'starting') {
      return { ready: false, reason: 'starting', failing: [] };
    }
    if (this.draining) return { ready: false, reason: 'draining', failing: [] };
    const failing = this.readiness.failing();
    return failing.length === 0
      ? { ready: true }
      : { ready: false, reason: 'dependencies', failing };
  }

  get started(): boolean {
    return this.#state !== 'created' && this.#state !== 'starting';
  }

  get deadlineMs(): number {
    return this.config.shutdown.deadlineMs;
  }

  /** The phases after the first (which flips /ready), in order; each front end has its own. */
  protected abstract shutdownPhases(): ShutdownPhase[];

  /** Called first thing when starting: from here on, signals and crashes run shutdown(). */
  protected installProcessHooks(): void {
    if (this.#handleProcessSignals && this.#removeProcessHooks === undefined) {
      this.#removeProcessHooks = installProcessHooks(this);
    }
  }

  /** The phased shutdown; idempotent, so a signal during a test's own shutdown is harmless. */
  shutdown(reason = 'requested'): Promise<ShutdownOutcome> {
    this.#shutdown ??= this.#runShutdown(reason);
    return this.#shutdown;
  }

  async #runShutdown(reason: string): Promise<ShutdownOutcome> {
    this.logger.info({ reason }, 'shutdown started: /ready now fails');
    this.#state = 'draining';
    this.readiness.stop();
    const outcome = await runShutdown(this.shutdownPhases(), this.logger);
    this.metrics.shutdownSeconds.set(outcome.seconds);
    this.#state = 'stopped';
    this.logger.info({ shutdown_seconds: outcome.seconds }, 'shutdown complete');
    this.#removeProcessHooks?.();
    return outcome;
  }

  /** Runs startup hooks, evaluates readiness once, then starts the background probe loop. */
  protected async startup(): Promise<void> {
    this.#state = 'starting';
    for (const hook of this.#startupHooks) {
      const started = performance.now();
      await this.tracing.withSpan(`startup ${hook.name}`, () => hook.run(this.tasks.signal));
      this.logger.info(
        { step: hook.name, duration_ms: Math.round(performance.now() - started) },
        `startup step ${hook.name} done`,
      );
    }
    await this.readiness.evaluate();
    this.readiness.start();
    this.metrics.startupSeconds.set(process.uptime());
    this.#state = 'ready';
  }
}
