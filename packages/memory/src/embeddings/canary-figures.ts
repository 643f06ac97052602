import type { CanaryThresholds } from './canary-report.js';
import { RecentWindow } from './recent-window.js';

const WINDOW = 10_000;

/**
 * The canary's running figures: cosine mean and minimum over every compared vector, the 5th
 * percentile and latencies over the most recent WINDOW, and the failure counts.
 */
export class CanaryFigures {
  samples = 0;
  requests = 0;
  failures = 0;
  skippedCoolingDown = 0;
  #cosineSum = 0;
  #cosineMin = Number.POSITIVE_INFINITY;
  readonly #cosines = new RecentWindow(WINDOW);
  readonly cpuLatency = new RecentWindow(WINDOW);
  readonly gpuLatency = new RecentWindow(WINDOW);

  addCosine(value: number): void {
    this.samples++;
    this.#cosineSum += value;
    if (value < this.#cosineMin) this.#cosineMin = value;
    this.#cosines.push(value);
  }

  get failureRate(): number {
    return this.requests === 0 ? 0 : this.failures / this.requests;
  }

  cosine(): { mean: number | null; min: number | null; p05: number | null } {
    if (this.samples === 0) return { mean: null, min: null, p05: null };
    return {
      mean: round(this.#cosineSum / this.samples, 6),
      min: round(this.#cosineMin, 6),
      p05: round(this.#cosines.percentile(0.05)!, 6),
    };
  }

  /** Each threshold missed, in words; empty when all are met. */
  shortfalls(thresholds: CanaryThresholds): string[] {
    const reasons: string[] = [];
    const cosine = this.cosine();
    if (this.samples < thresholds.minSamples) {
      reasons.push(
        `${this.samples} samples compared, fewer than the ${thresholds.minSamples} required`,
      );
    }
    if (cosine.mean !== null && cosine.mean < thresholds.minMeanCosine) {
      reasons.push(`mean cosine ${cosine.mean} is below ${thresholds.minMeanCosine}`);
    }
    if (cosine.p05 !== null && cosine.p05 < thresholds.minP05Cosine) {
      reasons.push(`5th-percentile cosine ${cosine.p05} is below ${thresholds.minP05Cosine}`);
    }
    if (this.failureRate > thresholds.maxFailureRate) {
      reasons.push(
        `GPU failure rate ${round(this.failureRate, 4)} (${this.failures} of ${this.requests}) is above ${thresholds.maxFailureRate}`,
      );
    }
    return reasons;
  }
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
