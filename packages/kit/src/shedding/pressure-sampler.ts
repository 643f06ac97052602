import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** The process' pressure over the last sample window. */
export interface PressureSample {
  /** Mean event-loop delay over the window, in milliseconds. */
  readonly eventLoopDelayMs: number;
  /** Heap in use as a share of V8's heap limit (heap_size_limit). */
  readonly heapUsedRatio: number;
}

/** Where the shedder's figures come from; a test substitutes its own to drive them. */
export interface PressureSampler {
  /** The figures since the previous call, which starts a new window. */
  sample(): PressureSample;
  close(): void;
}

/** Histogram resolution: fine enough to see a 10 ms stall, coarse enough to cost nothing. */
const RESOLUTION_MS = 10;

/**
 * The real figures: perf_hooks' event-loop delay histogram (reset on every sample, so each
 * sample is the window since the last) and V8's heap statistics.
 *
 * The mean, as @fastify/under-pressure reads it, not a high percentile: one stall (a GC pause,
 * a slow synchronous call) puts a single large value in the window, which a p99 of a few dozen
 * samples reports as the whole window's delay, and would shed the next window's requests on an
 * event loop that is idle again. Overload delays every tick, and that moves the mean.
 */
export function runtimePressureSampler(): PressureSampler {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    sample() {
      // An empty window (no tick recorded yet) reads as NaN or 0: no delay seen. Each recorded
      // value includes the timer's own interval, which is not delay.
      const mean = histogram.count > 0 ? histogram.mean / 1e6 - RESOLUTION_MS : 0;
      histogram.reset();
      const heap = getHeapStatistics();
      return {
        eventLoopDelayMs: Number.isFinite(mean) ? Math.max(0, mean) : 0,
        heapUsedRatio: heap.used_heap_size / heap.heap_size_limit,
      };
    },
    close() {
      histogram.disable();
    },
  };
}
