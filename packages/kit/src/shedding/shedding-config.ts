import { Type } from '@sinclair/typebox';

/**
 * Load shedding: while the event loop lags or the heap is nearly full, new requests (not the
 * contract's probes) answer 503 with Retry-After instead of queueing behind the ones in hand.
 */
export const SheddingConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Event-loop delay (the mean over the last sample window) past which requests are shed. */
    maxEventLoopDelayMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1_000 }),
    /** Heap in use as a share of the heap limit past which requests are shed. */
    maxHeapUsedRatio: Type.Number({ minimum: 0.1, maximum: 1, default: 0.95 }),
    sampleIntervalMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 500 }),
    retryAfterSec: Type.Integer({ minimum: 1, maximum: 3_600, default: 1 }),
  },
  { default: {}, additionalProperties: false },
);
