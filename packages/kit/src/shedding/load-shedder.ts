import type { Static } from '@sinclair/typebox';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import type { HealthReport } from '../probes/types.js';
import type { PressureSample } from './pressure-sampler.js';
import type { SheddingConfigSchema } from './shedding-config.js';

/** Windows in a row whose event-loop delay must be over the limit before requests are shed. */
const DELAYED_WINDOWS_TO_SHED = 2;

export type SheddingConfig = Static<typeof SheddingConfigSchema>;

/** Why requests are being shed: the `reason` label of load_shed_total. */
export type ShedReason = 'event_loop_delay' | 'heap';

export const SHEDDING_METRICS = {
  shed: 'load_shed_total',
  eventLoopDelay: 'load_shedding_event_loop_delay_seconds',
  heapUsedRatio: 'load_shedding_heap_used_ratio',
} as const;

/**
 * The shedding decision, made once per sample window rather than per request: a request only
 * reads `shedding`. Transitions are logged (one line each way), the figures are gauges, and
 * /health shows the state with the figures and the thresholds that decide it.
 */
export class LoadShedder {
  readonly #config: SheddingConfig;
  readonly #logger: Logger;
  readonly #delayGauge: Gauge;
  readonly #heapGauge: Gauge;
  readonly #shedByReason: Record<ShedReason, { inc(): void }>;
  #shedding = false;
  #reason: ShedReason | undefined;
  #last: PressureSample = { eventLoopDelayMs: 0, heapUsedRatio: 0 };

  constructor(config: SheddingConfig, registry: Registry, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    const registers = [registry];
    const shed = new Counter({
      name: SHEDDING_METRICS.shed,
      help: 'Requests answered 503 because the process was overloaded, by the pressure that was over its limit.',
      labelNames: ['reason'] as const,
      registers,
    });
    // Both series exist from the start (a dashboard shows 0, not nothing), and are bound once:
    // a shed request costs one increment, not a label lookup.
    shed.inc({ reason: 'event_loop_delay' }, 0);
    shed.inc({ reason: 'heap' }, 0);
    this.#shedByReason = {
      event_loop_delay: shed.labels({ reason: 'event_loop_delay' }),
      heap: shed.labels({ reason: 'heap' }),
    };
    this.#delayGauge = new Gauge({
      name: SHEDDING_METRICS.eventLoopDelay,
      help: 'Mean event-loop delay over the last load-shedding sample window.',
      registers,
    });
    this.#heapGauge = new Gauge({
      name: SHEDDING_METRICS.heapUsedRatio,
      help: 'Heap in use as a share of the V8 heap limit, at the last load-shedding sample.',
      registers,
    });
  }

  /** Consecutive windows whose event-loop delay was over the limit. */
  #delayedWindows = 0;

  /** The one thing a request checks. */
  get shedding(): boolean {
    return this.#shedding;
  }

  /** Counts a shed request under the current reason. */
  countShed(): void {
    this.#shedByReason[this.#reason ?? 'event_loop_delay'].inc();
  }

  observe(sample: PressureSample): void {
    this.#last = sample;
    this.#delayGauge.set(sample.eventLoopDelayMs / 1000);
    this.#heapGauge.set(sample.heapUsedRatio);
    const reason = this.#reasonFor(sample);
    const was = this.#shedding;
    this.#shedding = reason !== undefined;
    this.#reason = reason;
    if (reason && !was) {
      this.#logger.warn(this.#figures(), `overloaded (${reason}): shedding requests with 503`);
    } else if (!reason && was) {
      this.#logger.info(this.#figures(), 'load back under its limits: no longer shedding');
    }
  }

  health(): HealthReport {
    return {
      status: this.#shedding ? 'warn' : 'pass',
      shedding: this.#shedding,
      ...(this.#reason ? { reason: this.#reason } : {}),
      ...this.#figures(),
    };
  }

  #reasonFor(sample: PressureSample): ShedReason | undefined {
    // Two windows in a row: one stall (startup work, a GC pause, a slow synchronous call) fills
    // a single window and is over by the time it is measured; overload delays every window.
    this.#delayedWindows =
      sample.eventLoopDelayMs > this.#config.maxEventLoopDelayMs ? this.#delayedWindows + 1 : 0;
    if (this.#delayedWindows >= DELAYED_WINDOWS_TO_SHED) return 'event_loop_delay';
    if (sample.heapUsedRatio > this.#config.maxHeapUsedRatio) return 'heap';
    return undefined;
  }

  #figures() {
    return {
      event_loop_delay_ms: Math.round(this.#last.eventLoopDelayMs * 10) / 10,
      heap_used_ratio: Math.round(this.#last.heapUsedRatio * 1000) / 1000,
      max_event_loop_delay_ms: this.#config.maxEventLoopDelayMs,
      max_heap_used_ratio: this.#config.maxHeapUsedRatio,
    };
  }
}
