import { Counter, Gauge, type Registry } from 'prom-client';

export type BreakerStateName = 'closed' | 'half-open' | 'open';

/** One upstream's breaker as /health and the state gauge show it. */
export interface BreakerView {
  /** The origin, scheme://host:port. */
  readonly upstream: string;
  readonly state: BreakerStateName;
  /** When it entered that state (ISO 8601). */
  readonly since: string;
  /** Consecutive failures counted so far. */
  readonly failures: number;
}

const STATE_VALUE: Record<BreakerStateName, number> = { closed: 0, 'half-open': 1, open: 2 };
const STATES = Object.keys(STATE_VALUE) as BreakerStateName[];

/** One set of families per registry, so two clients on one registry do not collide. */
const onRegistry = new WeakMap<Registry, OutboundMetrics>();

/**
 * The outbound policies' metric families. The `upstream` label is an origin, so its values are
 * bounded by the policy table (outbound.maxUpstreams): an origin given up loses its series. The
 * state gauge is computed at scrape time from the breakers, so a call costs nothing here; the
 * counters move only on a transition, a retry or a refusal.
 */
export class OutboundMetrics {
  readonly #sources = new Set<() => Iterable<BreakerView>>();
  readonly #transitions: Counter<'upstream' | 'to'>;
  readonly #retries: Counter<'upstream'>;
  readonly #budgetExhausted: Counter<'upstream'>;
  readonly #bulkheadRejected: Counter<'upstream'>;

  static on(registry: Registry): OutboundMetrics {
    let metrics = onRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new OutboundMetrics(registry);
      onRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    const sources = this.#sources;
    new Gauge({
      name: 'http_client_breaker_state',
      help: 'Circuit breaker state per upstream origin: 0 closed, 1 half-open, 2 open.',
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const source of sources) {
          for (const view of source())
            this.set({ upstream: view.upstream }, STATE_VALUE[view.state]);
        }
      },
    });
    this.#transitions = new Counter({
      name: 'http_client_breaker_transitions_total',
      help: 'Circuit breaker state changes per upstream origin, by the state entered.',
      labelNames: ['upstream', 'to'],
      registers,
    });
    this.#retries = new Counter({
      name: 'http_client_retries_total',
      help: 'Outbound attempts that were retries, per upstream origin.',
      labelNames: ['upstream'],
      registers,
    });
    this.#budgetExhausted = new Counter({
      name: 'http_client_retry_budget_exhausted_total',
      help: 'Retries not made because the upstream origin had spent its retry budget.',
      labelNames: ['upstream'],
      registers,
    });
    this.#bulkheadRejected = new Counter({
      name: 'http_client_bulkhead_rejected_total',
      help: 'Outbound calls refused because the upstream origin had no free slot or queue place.',
      labelNames: ['upstream'],
      registers,
    });
  }

  /** Adds a client's breakers to the state gauge; returns the removal. */
  watch(source: () => Iterable<BreakerView>): () => void {
    this.#sources.add(source);
    return () => this.#sources.delete(source);
  }

  transition(upstream: string, to: BreakerStateName): void {
    this.#transitions.inc({ upstream, to });
  }

  retried(upstream: string): void {
    this.#retries.inc({ upstream });
  }

  budgetExhausted(upstream: string): void {
    this.#budgetExhausted.inc({ upstream });
  }

  bulkheadRejected(upstream: string): void {
    this.#bulkheadRejected.inc({ upstream });
  }

  /** Drops an origin's series when its policies are given up, keeping the label set bounded. */
  forget(upstream: string): void {
    for (const to of STATES) this.#transitions.remove({ upstream, to });
    this.#retries.remove({ upstream });
    this.#budgetExhausted.remove({ upstream });
    this.#bulkheadRejected.remove({ upstream });
  }
}
