import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DestinationStream } from 'pino';
import { loadConfig, type ServiceConfig, type ServiceConfigInput } from './config.js';
import { installProcessHooks, type ShutdownTarget } from './lifecycle/process-hooks.js';
import { ResourceStack } from './lifecycle/resources.js';
import { runShutdown, type ShutdownOutcome, type ShutdownPhase } from './lifecycle/shutdown.js';
import { reportListening, supervisedBy } from './lifecycle/supervisor-link.js';
import { BackgroundTasks } from './lifecycle/tasks.js';
import { createLogger, type Logger } from './logging/logger.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { ReadinessMonitor } from './probes/readiness.js';
import type { DependencyProbe, HealthReport, LivenessCheck } from './probes/types.js';
import { Tracing } from './tracing/tracing.js';

/**
 * Where the process is in its life. Readiness is a separate question (`ready()`): a started
 * service whose critical dependency is down is `started` and not ready, so neither the logs nor
 * /health can call it ready while /ready answers 503.
 */
export type LifecycleState = 'created' | 'starting' | 'started' | 'draining' | 'stopped';

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

/** The front ends' first shutdown phase: keep serving while load balancers notice /ready. */
const DRAIN_DELAY_PHASE = 'drain-delay';

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
  readonly #healthReports = new Map<string, () => HealthReport>();
  readonly #handleProcessSignals: boolean;
  readonly #env: NodeJS.ProcessEnv;
  #state: LifecycleState = 'created';
  /** The readiness last logged, so the log says when it changes and not on every evaluation. */
  #loggedReady: boolean | undefined;
  #shutdown: Promise<ShutdownOutcome> | undefined;
  #removeProcessHooks: (() => void) | undefined;

  constructor(options: RuntimeOptions) {
    const { env, logDestination, spanProcessors, handleProcessSignals = true, ...input } = options;
    this.#handleProcessSignals = handleProcessSignals;
    this.#env = env ?? process.env;
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
        this.#logReadinessChange();
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

  /** Adds a section to /health under `name`, read on every request: keep it cheap. */
  addHealthReport(name: string, report: () => HealthReport): void {
    if (this.#healthReports.has(name)) throw new TypeError(`health report ${name} already added`);
    this.#healthReports.set(name, report);
  }

  healthReports(): Array<[string, HealthReport]> {
    return [...this.#healthReports].map(([name, report]) => [name, report()]);
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

  /** The bound port (after listen or start). */
  abstract get port(): number;

  /** What the logged address starts with. */
  protected get urlScheme(): string {
    return 'http';
  }

  get deadlineMs(): number {
    return this.config.shutdown.deadlineMs;
  }

  /** The phases after the first (which flips /ready), in order; each front end has its own. */
  protected abstract shutdownPhases(): ShutdownPhase[];

  /** Called first thing when starting: from here on, signals and crashes run shutdown(). */
  protected installProcessHooks(): void {
    if (this.#handleProcessSignals && this.#removeProcessHooks === undefined) {
      this.#removeProcessHooks = installProcessHooks(this, { env: this.#env });
    }
  }

  /** The phased shutdown; idempotent, so a signal during a test's own shutdown is harmless. */
  shutdown(reason = 'requested'): Promise<ShutdownOutcome> {
    this.#shutdown ??= this.#runShutdown(reason);
    return this.#shutdown;
  }

  async #runShutdown(reason: string): Promise<ShutdownOutcome> {
    this.logger.info({ reason }, 'shutdown started: /ready now fails');
    const neverStarted = !this.started;
    this.#state = 'draining';
    this.readiness.stop();
    let phases = this.shutdownPhases();
    if (neverStarted) {
      // The drain delay lets load balancers see /ready fail before the listener closes. A
      // process stopped (or failing) during startup never answered /ready with 200, so no one
      // routes to it: waiting would only delay the stop.
      phases = phases.map((phase) =>
        phase.name === DRAIN_DELAY_PHASE
          ? { name: phase.name, run: () => this.logger.debug('never started: no drain delay') }
          : phase,
      );
    }
    const outcome = await runShutdown(phases, this.logger);
    this.metrics.shutdownSeconds.set(outcome.seconds);
    this.#state = 'stopped';
    this.logger.info({ shutdown_seconds: outcome.seconds }, 'shutdown complete');
    this.#removeProcessHooks?.();
    return outcome;
  }

  /**
   * Called once the port is bound: runs startup hooks, evaluates readiness once, starts the
   * background probe loop, and logs that the process started and whether it is ready.
   */
  protected async startup(): Promise<void> {
    this.#state = 'starting';
    // Tells a supervisor (bulwark up) that this process, and not another, holds the port.
    if (this.#handleProcessSignals && supervisedBy(this.#env) === 'parent') {
      reportListening(this.port);
    }
    for (const hook of this.#startupHooks) {
      // A shutdown that began meanwhile stops the steps still to come, not only those that
      // honour the signal.
      if (this.#state !== 'starting') return;
      const started = performance.now();
      await this.tracing.withSpan(`startup ${hook.name}`, () => hook.run(this.tasks.signal));
      this.logger.info(
        { step: hook.name, duration_ms: Math.round(performance.now() - started) },
        `startup step ${hook.name} done`,
      );
    }
    if (this.#state !== 'starting') return;
    await this.readiness.evaluate();
    // A shutdown that began during startup (a signal, a lost supervisor) has the last word.
    if (this.#state !== 'starting') return;
    this.readiness.start();
    this.metrics.startupSeconds.set(process.uptime());
    this.#state = 'started';
    const { host } = this.config.http;
    this.logger.info(
      { host, port: this.port, startup_seconds: Math.round(process.uptime() * 1000) / 1000 },
      `${this.config.name} started on ${this.urlScheme}://${host}:${this.port}`,
    );
    this.#logReadinessChange();
  }

  /**
   * Logs readiness when it changes while started: "ready on …" only when /ready answers 200,
   * otherwise which critical probes keep it at 503.
   */
  #logReadinessChange(): void {
    if (this.#state !== 'started') return;
    const verdict = this.ready();
    if (verdict.ready === this.#loggedReady) return;
    this.#loggedReady = verdict.ready;
    const { host } = this.config.http;
    if (verdict.ready) {
      this.logger.info(
        { host, port: this.port },
        `${this.config.name} ready on ${this.urlScheme}://${host}:${this.port}`,
      );
    } else {
      this.logger.warn(
        { failing: verdict.failing },
        `${this.config.name} not ready: /ready answers 503 until ${verdict.failing.join(', ')} pass${verdict.failing.length === 1 ? 'es' : ''}`,
      );
    }
  }
}
