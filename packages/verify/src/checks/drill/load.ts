import { type Static, Type } from '@sinclair/typebox';
import type { ArtifactInput, CheckPlugin, Measurements, SampleSeries } from '../check.js';
import { serviceTarget, targetVersionOf } from '../live/service-target.js';
import { aborted } from '../outcomes.js';
import {
  attempted,
  errorRate,
  goodRps,
  HISTOGRAM_BOUNDS_MS,
  histogram,
  judgeThresholds,
  type LoadThresholds,
  percentiles,
  type ThresholdResult,
} from './load-figures.js';
import {
  encodeRequest,
  RequestBody,
  RequestHeaders,
  RequestMethod,
  RequestPath,
} from './load-request.js';
import { type LoadRunResult, runLoad } from './load-run.js';

const LatencyLimit = Type.Number({ exclusiveMinimum: 0, maximum: 3_600_000 });

export const DrillLoadParams = Type.Object(
  {
    path: RequestPath,
    method: RequestMethod,
    body: Type.Optional(RequestBody),
    headers: Type.Optional(RequestHeaders),
    connections: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    /** How long the load lasts; with `amount`, the most it may last. */
    durationMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
    /** Stop after this many answers instead (bounded by durationMs). */
    amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** Requests per second over all connections; as fast as the service answers when omitted. */
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    p50Ms: Type.Optional(LatencyLimit),
    p95Ms: Type.Optional(LatencyLimit),
    p99Ms: Type.Optional(LatencyLimit),
    /** (non-2xx/3xx answers + requests with no answer) / all requests; 1% unless given. */
    maxErrorRate: Type.Number({ minimum: 0, maximum: 1, default: 0.01 }),
    /** Good (2xx/3xx) answers per second. */
    minRps: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type DrillLoadParamsValue = Static<typeof DrillLoadParams>;

/** The raw result kept beside the figures: status codes, error causes, the histogram. */
const RESULT_ARTIFACT = 'load-result.json';

/**
 * A bounded load run (autocannon as a library) against one path of the service, judged by
 * k6-style thresholds: latency percentiles of the good answers, the error rate and the good
 * throughput. A threshold with no samples fails. The figures, the latency histogram, a sample
 * of latencies in time order and the answers per second are kept as evidence.
 */
export const drillLoadCheck: CheckPlugin<DrillLoadParamsValue> = {
  id: 'drill.load',
  description:
    'a bounded load run on a path (autocannon): p50/p95/p99 latency, error rate and throughput thresholds',
  params: DrillLoadParams,
  scope: 'service',
  kinds: ['http', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('drill.load', ctx);
    const request = encodeRequest(params.body, params.headers);
    const what = `${params.method} ${params.path}`;
    ctx.progress(
      `load: ${what}, ${params.connections} connections, ${describeBound(params)}${params.rate ? ` at ${params.rate} req/s` : ''}`,
    );
    const result = await runLoad({
      url: target.url(params.path),
      method: params.method,
      ...(request.body === undefined ? {} : { body: request.body }),
      headers: request.headers,
      connections: params.connections,
      durationMs: params.durationMs,
      ...(params.amount === undefined ? {} : { amount: params.amount }),
      ...(params.rate === undefined ? {} : { rate: params.rate }),
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
    });
    if (ctx.signal.aborted) return aborted();
    const sorted = result.latencies.sorted();
    const judged = judgeThresholds(thresholdsOf(params), percentiles(sorted), result.counts);
    const version = await targetVersionOf(target);
    const evidence = {
      measurements: loadMeasurements(result, sorted, params, judged),
      samples: loadSamples(result),
      artifacts: [loadArtifact(result, sorted)],
      ...(version === undefined ? {} : { targetVersion: version }),
    };
    const failed = judged.filter((t) => !t.ok);
    const seen = describeRun(result);
    if (failed.length > 0) {
      return {
        status: 'fail',
        summary: `${what}: ${failed.map((t) => t.text).join('; ')} (${seen})`,
        ...evidence,
      };
    }
    return {
      status: 'pass',
      summary: `${what}: ${judged.map((t) => t.text).join(', ')} (${seen})`,
      ...evidence,
    };
  },
};

export function thresholdsOf(params: LoadThresholds): LoadThresholds {
  const { p50Ms, p95Ms, p99Ms, maxErrorRate, minRps } = params;
  return { p50Ms, p95Ms, p99Ms, maxErrorRate, minRps };
}

function describeBound(params: DrillLoadParamsValue): string {
  return params.amount === undefined
    ? `${params.durationMs} ms`
    : `${params.amount} answers (at most ${params.durationMs} ms)`;
}

/** `5234 answers in 10.0 s, 523 good req/s`: what the run did, for the summary. */
export function describeRun(result: LoadRunResult): string {
  const { counts } = result;
  const seconds = (counts.durationMs / 1000).toFixed(1);
  const noAnswer = counts.errors > 0 ? `, ${counts.errors} without an answer` : '';
  return `${counts.ok + counts.badStatus} answers in ${seconds} s, ${goodRps(counts)} good req/s${noAnswer}`;
}

/** The run's figures; `sorted` is its latencies, ascending (result.latencies.sorted()). */
export function loadMeasurements(
  result: LoadRunResult,
  sorted: Float64Array,
  params: { connections: number; rate?: number },
  judged: readonly ThresholdResult[],
): Measurements {
  const { counts } = result;
  const latency = percentiles(sorted);
  const rate = errorRate(counts);
  const figures: Record<string, Measurements[string]> = {
    requests: attempted(counts),
    okAnswers: counts.ok,
    badStatusAnswers: counts.badStatus,
    noAnswer: counts.errors,
    timeouts: counts.timeouts,
    refusedConnects: counts.refused,
    durationMs: Math.round(counts.durationMs),
    goodRps: goodRps(counts),
    connections: params.connections,
    latencyBoundsMs: HISTOGRAM_BOUNDS_MS,
    latencyCounts: histogram(sorted),
    statusCodes: Object.entries(result.statuses).map(([code, n]) => `${code}: ${n}`),
  };
  if (params.rate !== undefined) figures.targetRps = params.rate;
  if (rate !== undefined) figures.errorRate = Math.round(rate * 1e6) / 1e6;
  if (latency) {
    figures.latencySamples = latency.samples;
    figures.p50Ms = latency.p50Ms;
    figures.p90Ms = latency.p90Ms;
    figures.p95Ms = latency.p95Ms;
    figures.p99Ms = latency.p99Ms;
    figures.maxMs = latency.maxMs;
  }
  const failed = judged.filter((t) => !t.ok).map((t) => t.name);
  if (failed.length > 0) figures.failedThresholds = failed;
  if (result.overran) figures.stoppedAtDeadline = true;
  return figures;
}

export function loadSamples(result: LoadRunResult): SampleSeries[] {
  const kept = result.chart.inOrder();
  return [
    {
      name: `latency of good answers (${kept.length} of ${result.chart.seen}, uniform sample in time order)`,
      unit: 'ms',
      values: kept.map((ms) => Math.round(ms * 100) / 100),
    },
    { name: 'answers per second', unit: 'count', values: [...result.perSecond] },
  ];
}

function loadArtifact(result: LoadRunResult, sorted: Float64Array): ArtifactInput {
  return {
    name: RESULT_ARTIFACT,
    mediaType: 'application/json',
    content: `${JSON.stringify(
      {
        counts: result.counts,
        statuses: result.statuses,
        errorCauses: result.errorCauses,
        latencyHistogram: {
          boundsMs: HISTOGRAM_BOUNDS_MS,
          counts: histogram(sorted),
        },
        perSecond: result.perSecond,
      },
      null,
      2,
    )}\n`,
  };
}
