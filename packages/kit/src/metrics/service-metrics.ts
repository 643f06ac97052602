import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS, OVERFLOW_ROUTE } from '../contract.js';

export interface ServiceMetricsOptions {
  service: string;
  version: string;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type RequestLabels = { method: string; route: string; status_class: string };

/**
 * The contract's metric families every kit process exposes, services and workers alike, on one
 * registry per process component (never prom-client's global one, so two services in one
 * process cannot collide).
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly startupSeconds: Gauge;
  readonly shutdownSeconds: Gauge;
  readonly readinessLastSuccess: Gauge;

  constructor(options: ServiceMetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges *_total, which the Prometheus naming rules reserve for
    // counters (promtool rejects them). nodejs_active_{handles,requests,resources} by type stay.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
    new Gauge({
      name: METRICS.buildInfo,
      help: 'Build information; the value is always 1.',
      labelNames: ['service', 'version', 'node_version'],
      registers,
    }).set(
      { service: options.service, version: options.version, node_version: process.version },
      1,
    );
    this.startupSeconds = new Gauge({
      name: METRICS.startupSeconds,
      help: 'Seconds from process start until the service was ready to serve.',
      registers,
    });
    this.shutdownSeconds = new Gauge({
      name: METRICS.shutdownSeconds,
      help: 'Seconds the last graceful shutdown took (0 until one runs).',
      registers,
    });
    this.readinessLastSuccess = new Gauge({
      name: METRICS.readinessLastSuccess,
      help: 'Unix time of the last readiness evaluation in which every critical probe passed.',
      registers,
    });
  }

  /** Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The request families of a service with a public HTTP API (workers have none). */
export class HttpServerMetrics {
  readonly #requestDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly #seriesDropped: Counter;
  // The cap is enforced against the number of distinct label keys seen.
  readonly #children = new Map<string, { observe(value: number): void }>();
  readonly #maxSeries: number;
  // A plain counter read at scrape time: two prom-client calls per request would cost more
  // than the whole gauge is worth.
  #inFlight = 0;

  constructor(registry: Registry, maxSeries: number) {
    this.#maxSeries = maxSeries;
    const registers = [registry];
    const metrics = this;
    new Gauge({
      name: METRICS.requestsInFlight,
      help: 'HTTP requests being served right now.',
      registers,
      collect() {
        this.set(metrics.#inFlight);
      },
    });
    this.#requestDuration = new Histogram({
      name: METRICS.requestDuration,
      help: 'HTTP request duration in seconds, by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#seriesDropped = new Counter({
      name: METRICS.seriesDropped,
      help: 'Observations folded into the overflow route because the series cap was reached.',
      registers,
    });
  }

  requestStarted(): void {
    this.#inFlight++;
  }

  requestEnded(): void {
    this.#inFlight--;
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const labels: RequestLabels = {
      method: KNOWN_METHODS.has(method) ? method : 'OTHER',
      route,
      status_class: `${Math.floor(statusCode / 100)}xx`,
    };
    let key = `${labels.method} ${labels.route} ${labels.status_class}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      if (this.#children.size >= this.#maxSeries) {
        this.#seriesDropped.inc();
        labels.route = OVERFLOW_ROUTE;
        key = `${labels.method} ${labels.route} ${labels.status_class}`;
        child = this.#children.get(key);
      }
      if (child === undefined) {
        child = this.#requestDuration.labels(labels);
        this.#children.set(key, child);
      }
    }
    child.observe(seconds);
  }
}
