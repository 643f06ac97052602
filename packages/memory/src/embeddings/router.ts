import { CanaryFigures, round } from './canary-figures.js';
import type { CanaryReport, CanaryThresholds, RouterMode } from './canary-report.js';
import { cosineSimilarity } from './cosine.js';
import { EmbeddingError, EmbeddingsConfigError } from './errors.js';
import type { OpenAiCompatibleStats } from './openai-compatible.js';
import type { EmbeddingProvider, EmbedOptions } from './provider.js';

export interface EmbeddingRouterOptions {
  /** Serves whenever the GPU endpoint does not: always with gpuEnabled false. */
  cpu: EmbeddingProvider;
  /** The GPU-backed endpoint; absent with gpuEnabled true means every request falls back. */
  gpu?: EmbeddingProvider;
  /** GPU_ENABLED. false: the router is the CPU provider, and the GPU one is never called. */
  gpuEnabled: boolean;
  /**
   * Share of requests (0..1) also sent to the GPU endpoint and compared while the CPU one
   * serves. Above 0 (with gpuEnabled) the GPU endpoint serves nothing: promotion is setting it
   * to 0 once the canary's report is promotable, an operator's decision.
   */
  canaryShare?: number;
  thresholds?: Partial<CanaryThresholds>;
  /** After a GPU failure, how long it is left alone (served by the CPU one). Default 30 000. */
  cooldownMs?: number;
  /** Told about each GPU failure (the service logs it); never given texts or vectors. */
  onGpuFailure?: (error: unknown, during: 'serve' | 'canary') => void;
  /** For tests: the draw that picks canary requests, and the clock. */
  random?: () => number;
  now?: () => number;
}

export const DEFAULT_CANARY_THRESHOLDS: CanaryThresholds = {
  minSamples: 200,
  minMeanCosine: 0.99,
  minP05Cosine: 0.95,
  maxFailureRate: 0.01,
};

export interface RouterStatus {
  mode: RouterMode;
  /** Requests served by each side (a fallback counts on the CPU side). */
  served: { cpu: number; gpu: number };
  /** GPU requests that failed and were served by the CPU endpoint instead. */
  fallbacks: { failed: number; coolingDown: number; absent: number };
  /** Until when the GPU endpoint is left alone (ISO time), or null. */
  gpuCoolingDownUntil: string | null;
  /** Each side's provider, with its request and cache counters when it keeps them. */
  endpoints: { cpu: EndpointStatus; gpu: EndpointStatus | null };
}

export interface EndpointStatus {
  id: string;
  model: string;
  stats: OpenAiCompatibleStats | null;
}

/**
 * The one EmbeddingProvider a service uses, choosing per request between the CPU and the GPU
 * endpoint by GPU_ENABLED and the canary share (see RouterMode). Whatever the GPU endpoint does,
 * a request is answered by the CPU one when it fails: the CPU provider is the floor.
 */
export class EmbeddingRouter implements EmbeddingProvider {
  readonly id = 'router';
  readonly model: string;
  readonly dimensions: number;
  readonly mode: RouterMode;
  readonly #cpu: EmbeddingProvider;
  readonly #gpu: EmbeddingProvider | undefined;
  readonly #share: number;
  readonly #thresholds: CanaryThresholds;
  readonly #cooldownMs: number;
  readonly #options: EmbeddingRouterOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #since: string;
  readonly #figures = new CanaryFigures();
  readonly #pending = new Set<Promise<void>>();
  readonly #served = { cpu: 0, gpu: 0 };
  readonly #fallbacks = { failed: 0, coolingDown: 0, absent: 0 };
  #coolingDownUntil = 0;

  constructor(options: EmbeddingRouterOptions) {
    this.#options = options;
    this.#cpu = options.cpu;
    this.#gpu = options.gpu;
    this.#share = options.canaryShare ?? 0;
    this.#thresholds = { ...DEFAULT_CANARY_THRESHOLDS, ...options.thresholds };
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#since = new Date(this.#now()).toISOString();
    this.model = options.cpu.model;
    this.dimensions = options.cpu.dimensions;
    if (!(this.#share >= 0 && this.#share <= 1)) {
      throw new EmbeddingsConfigError(`canary share ${this.#share} is not between 0 and 1`);
    }
    if (options.gpu !== undefined && options.gpu.dimensions !== options.cpu.dimensions) {
      throw new EmbeddingsConfigError(
        `the GPU provider has ${options.gpu.dimensions} dimensions and the CPU one ${options.cpu.dimensions}`,
      );
    }
    if (!options.gpuEnabled) this.mode = 'cpu-only';
    else if (this.#share > 0) this.mode = 'canary';
    else this.mode = 'gpu';
    if (this.mode === 'canary' && options.gpu === undefined) {
      throw new EmbeddingsConfigError('the canary needs a GPU endpoint to compare with');
    }
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    switch (this.mode) {
      case 'cpu-only':
        this.#served.cpu++;
        return this.#cpu.embed(texts, options);
      case 'canary':
        return this.#embedWithCanary(texts, options);
      case 'gpu':
        return this.#embedOnGpu(texts, options);
    }
  }

  /** Resolves once every canary comparison started so far has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  status(): RouterStatus {
    const now = this.#now();
    return {
      mode: this.mode,
      served: { ...this.#served },
      fallbacks: { ...this.#fallbacks },
      gpuCoolingDownUntil:
        this.#coolingDownUntil > now ? new Date(this.#coolingDownUntil).toISOString() : null,
      endpoints: {
        cpu: endpointStatus(this.#cpu),
        gpu: this.#gpu === undefined ? null : endpointStatus(this.#gpu),
      },
    };
  }

  canaryReport(): CanaryReport {
    const figures = this.#figures;
    const enabled = this.mode === 'canary';
    const reasons = enabled ? figures.shortfalls(this.#thresholds) : [this.#offReason()];
    const latency = (window: CanaryFigures['cpuLatency']) => ({
      p50: nullableRound(window.percentile(0.5)),
      p99: nullableRound(window.percentile(0.99)),
      count: window.count,
    });
    return {
      enabled,
      mode: this.mode,
      share: this.#share,
      cpu: { id: this.#cpu.id, model: this.#cpu.model },
      gpu: this.#gpu === undefined ? null : { id: this.#gpu.id, model: this.#gpu.model },
      samples: figures.samples,
      requests: figures.requests,
      failures: figures.failures,
      failureRate: round(figures.failureRate, 6),
      skippedCoolingDown: figures.skippedCoolingDown,
      cosine: figures.cosine(),
      latencyMs: { cpu: latency(figures.cpuLatency), gpu: latency(figures.gpuLatency) },
      thresholds: { ...this.#thresholds },
      promotable: enabled && reasons.length === 0,
      reasons,
      since: this.#since,
    };
  }

  #offReason(): string {
    if (this.mode === 'cpu-only') return 'the canary is off: GPU_ENABLED is false';
    return 'the canary is off: the canary share is 0 (the GPU endpoint serves)';
  }

  #coolingDown(): boolean {
    return this.#now() < this.#coolingDownUntil;
  }

  #gpuFailed(error: unknown, during: 'serve' | 'canary'): void {
    this.#coolingDownUntil = this.#now() + this.#cooldownMs;
    this.#options.onGpuFailure?.(error, during);
  }

  async #embedOnGpu(texts: readonly string[], options: EmbedOptions): Promise<Float32Array[]> {
    const gpu = this.#gpu;
    if (gpu === undefined) {
      this.#fallbacks.absent++;
    } else if (this.#coolingDown()) {
      this.#fallbacks.coolingDown++;
    } else {
      try {
        const vectors = await gpu.embed(texts, options);
        this.#served.gpu++;
        return vectors;
      } catch (error) {
        // The caller gave up: not the GPU's fault, and nothing to fall back for.
        if (options.signal?.aborted) throw error;
        this.#fallbacks.failed++;
        this.#gpuFailed(error, 'serve');
      }
    }
    this.#served.cpu++;
    return this.#cpu.embed(texts, options);
  }

  /**
   * The CPU endpoint serves; a share of requests is also sent to the GPU one at the same time,
   * off the answer's path (the caller never waits for it), and compared when both are back.
   */
  async #embedWithCanary(texts: readonly string[], options: EmbedOptions): Promise<Float32Array[]> {
    this.#served.cpu++;
    const mirror = texts.length > 0 && this.#random() < this.#share;
    if (!mirror) return this.#cpu.embed(texts, options);
    if (this.#coolingDown()) {
      this.#figures.skippedCoolingDown++;
      return this.#cpu.embed(texts, options);
    }
    const gpuStart = performance.now();
    // No caller signal: the comparison is the canary's, and must not be cut short by a caller.
    const gpuAnswer = this.#gpu!.embed(texts).then(
      (vectors) => ({ vectors, ms: performance.now() - gpuStart }),
      (error: unknown) => ({ error }),
    );
    const cpuStart = performance.now();
    let cpuVectors: Float32Array[];
    try {
      cpuVectors = await this.#cpu.embed(texts, options);
    } catch (error) {
      // Nothing to compare against; the GPU call finishes unobserved.
      this.#track(gpuAnswer.then(() => undefined));
      throw error;
    }
    const cpuMs = performance.now() - cpuStart;
    this.#track(
      gpuAnswer.then((answer) => {
        this.#figures.requests++;
        if ('error' in answer) {
          this.#figures.failures++;
          this.#gpuFailed(answer.error, 'canary');
          return;
        }
        this.#compare(cpuVectors, answer.vectors, cpuMs, answer.ms);
      }),
    );
    return cpuVectors.map((vector) => vector.slice());
  }

  #compare(cpu: Float32Array[], gpu: Float32Array[], cpuMs: number, gpuMs: number): void {
    if (gpu.length !== cpu.length || gpu.some((v) => v.length !== this.dimensions)) {
      this.#figures.failures++;
      this.#gpuFailed(
        new EmbeddingError(
          'BW_EMBEDDINGS_BAD_RESPONSE',
          'the GPU answer does not match the CPU one in shape',
        ),
        'canary',
      );
      return;
    }
    this.#figures.cpuLatency.push(cpuMs);
    this.#figures.gpuLatency.push(gpuMs);
    for (let i = 0; i < cpu.length; i++) {
      this.#figures.addCosine(cosineSimilarity(cpu[i]!, gpu[i]!));
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }
}

function endpointStatus(provider: EmbeddingProvider): EndpointStatus {
  const withStats = provider as EmbeddingProvider & { stats?: () => OpenAiCompatibleStats };
  return {
    id: provider.id,
    model: provider.model,
    stats: typeof withStats.stats === 'function' ? withStats.stats() : null,
  };
}

function nullableRound(value: number | null): number | null {
  return value === null ? null : round(value, 3);
}
