import { type Static, type TNumber, Type } from '@sinclair/typebox';

const Nullable = (schema: TNumber) => Type.Union([schema, Type.Null()]);

const Latency = Type.Object(
  {
    p50: Nullable(Type.Number({ minimum: 0 })),
    p99: Nullable(Type.Number({ minimum: 0 })),
    /** Requests the figures are taken from. */
    count: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const RouterMode = Type.Union(
  [Type.Literal('cpu-only'), Type.Literal('canary'), Type.Literal('gpu')],
  {
    description:
      'cpu-only: GPU_ENABLED=false, the GPU endpoint is never called. canary: the CPU endpoint serves and a share of requests is also sent to the GPU one and compared. gpu: the GPU endpoint serves, the CPU one is the fallback.',
  },
);
export type RouterMode = Static<typeof RouterMode>;

export const CanaryThresholds = Type.Object(
  {
    /** Compared vectors needed before any verdict. */
    minSamples: Type.Integer({ minimum: 1 }),
    /** Mean cosine similarity GPU vs CPU, over every compared vector. */
    minMeanCosine: Type.Number({ minimum: -1, maximum: 1 }),
    /** 5th percentile of the cosine (recent window): the worst twentieth must match too. */
    minP05Cosine: Type.Number({ minimum: -1, maximum: 1 }),
    /** Failed GPU requests over GPU requests sent by the canary. */
    maxFailureRate: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type CanaryThresholds = Static<typeof CanaryThresholds>;

/**
 * What the canary measured, as `GET /v1/embeddings/canary` serves it and `bulwark verify`'s
 * embeddings.canary check reads it. Figures are null until there is something to measure.
 */
export const CanaryReport = Type.Object(
  {
    /** True only in canary mode (GPU_ENABLED=true and a share above 0). */
    enabled: Type.Boolean(),
    mode: RouterMode,
    /** Share of requests also sent to the GPU endpoint, 0..1. */
    share: Type.Number({ minimum: 0, maximum: 1 }),
    cpu: Type.Object({ id: Type.String(), model: Type.String() }, { additionalProperties: false }),
    gpu: Type.Union([
      Type.Object({ id: Type.String(), model: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    /** Vectors compared (one per text of a mirrored request that both sides answered). */
    samples: Type.Integer({ minimum: 0 }),
    /** Requests mirrored to the GPU endpoint. */
    requests: Type.Integer({ minimum: 0 }),
    /** Mirrored requests the GPU endpoint failed (error, bad answer, wrong dimension). */
    failures: Type.Integer({ minimum: 0 }),
    failureRate: Type.Number({ minimum: 0, maximum: 1 }),
    /** Mirrors not sent because the GPU endpoint was cooling down after a failure. */
    skippedCoolingDown: Type.Integer({ minimum: 0 }),
    cosine: Type.Object(
      {
        mean: Nullable(Type.Number()),
        min: Nullable(Type.Number()),
        p05: Nullable(Type.Number()),
      },
      { additionalProperties: false },
    ),
    latencyMs: Type.Object({ cpu: Latency, gpu: Latency }, { additionalProperties: false }),
    thresholds: CanaryThresholds,
    /** Every threshold met in canary mode: an operator may now set the share to 0 (promote). */
    promotable: Type.Boolean(),
    /** Why not promotable, one line each; empty when promotable. */
    reasons: Type.Array(Type.String()),
    /** When the figures started (the router's start). */
    since: Type.String({ description: 'ISO 8601 time' }),
  },
  { additionalProperties: false },
);
export type CanaryReport = Static<typeof CanaryReport>;
