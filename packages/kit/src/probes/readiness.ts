import { setTimeout as sleep } from 'node:timers/promises';
import { scrubString } from '../logging/redact.js';
import type { DependencyProbe, ProbeResult } from './types.js';

export interface ReadinessOptions {
  intervalMs: number;
  timeoutMs: number;
  onEvaluated?: (allCriticalOk: boolean, results: readonly ProbeResult[]) => void;
}

class ProbeTimeoutError extends Error {
  readonly code = 'BW_PROBE_TIMEOUT';
}

/**
 * Runs dependency probes in the background on a fixed interval and caches the results, so
 * /ready and /health answer from memory and probe traffic never multiplies load on a dependency.
 * Each probe runs under its own timeout; one slow dependency cannot hold up the others.
 */
export class ReadinessMonitor {
  readonly #probes: DependencyProbe[] = [];
  readonly #results = new Map<string, ProbeResult>();
  readonly #options: ReadinessOptions;
  #loop: AbortController | undefined;

  constructor(options: ReadinessOptions) {
    this.#options = options;
  }

  add(probe: DependencyProbe): void {
    if (probe.kind !== 'dependency') throw new TypeError('readiness takes dependency probes only');
    if (this.#probes.some((p) => p.name === probe.name)) {
      throw new TypeError(`a readiness probe named "${probe.name}" is already registered`);
    }
    this.#probes.push(probe);
  }

  /** Latest results, in registration order. */
  results(): ProbeResult[] {
    return this.#probes.flatMap((p) => this.#results.get(p.name) ?? []);
  }

  /** Names of critical probes whose latest result failed (or that never ran yet). */
  failing(): string[] {
    return this.#probes
      .filter((p) => p.critical && this.#results.get(p.name)?.ok !== true)
      .map((p) => p.name);
  }

  /** Runs every probe once, concurrently, and records the results. */
  async evaluate(): Promise<readonly ProbeResult[]> {
    const results = await Promise.all(this.#probes.map((probe) => this.#run(probe)));
    this.#options.onEvaluated?.(
      results.every((r) => r.ok || !r.critical),
      results,
    );
    return results;
  }

  /** Starts the background loop; the first evaluation has already happened at startup. */
  start(): void {
    if (this.#loop || this.#probes.length === 0) return;
    const loop = new AbortController();
    this.#loop = loop;
    void (async () => {
      while (!loop.signal.aborted) {
        try {
          await sleep(this.#options.intervalMs, undefined, { signal: loop.signal, ref: false });
        } catch {
          return;
        }
        await this.evaluate();
      }
    })();
  }

  stop(): void {
    this.#loop?.abort();
    this.#loop = undefined;
  }

  async #run(probe: DependencyProbe): Promise<ProbeResult> {
    const previous = this.#results.get(probe.name);
    const timeoutMs = probe.timeoutMs ?? this.#options.timeoutMs;
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let error: string | undefined;
    try {
      await Promise.race([
        probe.check(controller.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new ProbeTimeoutError(`timed out after ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
    } catch (cause) {
      error = describe(cause);
    } finally {
      clearTimeout(timer);
    }
    const now = Date.now();
    let details: ProbeResult['details'];
    try {
      details = probe.details?.();
    } catch {
      // Figures for /health are a courtesy: a faulty one must not fail the probe round.
      details = undefined;
    }
    const result: ProbeResult = {
      name: probe.name,
      critical: probe.critical,
      ok: error === undefined,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      checkedAt: now,
      lastSuccessAt: error === undefined ? now : previous?.lastSuccessAt,
      error,
      details,
    };
    this.#results.set(probe.name, result);
    return result;
  }
}

function describe(cause: unknown): string {
  const raw =
    cause instanceof Error
      ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}`
      : String(cause);
  return scrubString(raw.split('\n')[0] ?? '').slice(0, 200);
}
