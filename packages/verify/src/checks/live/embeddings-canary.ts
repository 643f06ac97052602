import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { describeBody, jsonObjectOf } from './answer.js';
import { bodyArtifact } from './evidence.js';
import type { Figures } from './live-check.js';
import { serviceTarget, targetVersionOf } from './service-target.js';

export const EMBEDDINGS_CANARY_PATH = '/v1/embeddings/canary';
/** A canary report is about a kilobyte. */
const REPORT_LIMIT = 65_536;

export const EmbeddingsCanaryParams = Type.Object(
  {
    path: Type.String({ pattern: '^/', default: EMBEDDINGS_CANARY_PATH }),
    /** Raise the service's own minimum of compared vectors (never lowers it). */
    minSamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** Raise the service's own minimum mean cosine (never lowers it). */
    minCosine: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    /** Lower the service's own maximum GPU failure rate (never raises it). */
    maxFailureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export type EmbeddingsCanaryParamsValue = Static<typeof EmbeddingsCanaryParams>;

const Figure = Type.Union([Type.Number(), Type.Null()]);
const Latency = Type.Object({ p50: Figure, p99: Figure });

/**
 * The fields of @bulwark/memory's CanaryReport this check reads. Declared here rather than
 * imported: the verifier judges any service's answer and depends on no service's package; extra
 * fields are allowed so the service may add figures without breaking the check.
 */
const ReadReport = Type.Object({
  enabled: Type.Boolean(),
  mode: Type.String(),
  share: Type.Number(),
  samples: Type.Integer({ minimum: 0 }),
  requests: Type.Integer({ minimum: 0 }),
  failures: Type.Integer({ minimum: 0 }),
  failureRate: Type.Number({ minimum: 0, maximum: 1 }),
  cosine: Type.Object({ mean: Figure, min: Figure, p05: Figure }),
  latencyMs: Type.Object({ cpu: Latency, gpu: Latency }),
  thresholds: Type.Object({
    minSamples: Type.Integer({ minimum: 1 }),
    minMeanCosine: Type.Number({ minimum: -1, maximum: 1 }),
    maxFailureRate: Type.Number({ minimum: 0, maximum: 1 }),
  }),
  promotable: Type.Boolean(),
  reasons: Type.Array(Type.String()),
});
type ReadReport = Static<typeof ReadReport>;

/**
 * The GPU embeddings path is promoted only when it is proven to match: the service's canary
 * (GET /v1/embeddings/canary) must say promotable, with at least `minSamples` compared vectors
 * and a mean cosine of at least `minCosine` against the CPU endpoint. The check's parameters can
 * only make the service's thresholds stricter, and the figures are judged here, not taken on the
 * service's word. A canary that is off has no figures, which fails.
 */
export const embeddingsCanaryCheck: CheckPlugin<EmbeddingsCanaryParamsValue> = {
  id: 'embeddings.canary',
  description:
    "the service's embeddings canary is promotable: enough GPU-vs-CPU samples, mean cosine and failure rate within thresholds",
  params: EmbeddingsCanaryParams,
  scope: 'service',
  kinds: ['http'],
  async run(params, ctx) {
    const target = serviceTarget('embeddings.canary', ctx);
    ctx.progress('reading the embeddings canary');
    const exchange = await target.client.get(target.url(params.path), {
      headers: { accept: 'application/json' },
      maxBodyBytes: REPORT_LIMIT,
      signal: target.signal,
    });
    if (ctx.signal.aborted) return aborted();
    if (exchange.kind === 'failure') {
      return { status: 'fail', summary: `${params.path}: ${exchange.message}` };
    }
    const version = await targetVersionOf(target);
    const evidence = {
      artifacts: [bodyArtifact('canary-report.json', exchange)],
      ...(version === undefined ? {} : { targetVersion: version }),
    };
    if (exchange.status !== 200) {
      const what =
        exchange.status === 404 ? 'no embeddings canary here' : describeBody(exchange.body);
      return {
        status: 'fail',
        summary: `${params.path}: ${exchange.status} ${what}`.trimEnd(),
        measurements: { status: exchange.status },
        ...evidence,
      };
    }
    const body = jsonObjectOf(exchange.body);
    if (body === undefined || !Value.Check(ReadReport, body)) {
      return {
        status: 'fail',
        summary: `${params.path}: the answer is not a canary report`,
        ...evidence,
      };
    }
    return { ...judgeCanary(body, params, params.path), ...evidence };
  },
};

/** The verdict on a canary report: exported for `bulwark probe`-style reuse and for tests. */
export function judgeCanary(
  report: ReadReport,
  params: EmbeddingsCanaryParamsValue,
  path = EMBEDDINGS_CANARY_PATH,
): CheckOutcome {
  const minSamples = Math.max(params.minSamples ?? 1, report.thresholds.minSamples);
  const minCosine = Math.max(params.minCosine ?? -1, report.thresholds.minMeanCosine);
  const maxFailureRate = Math.min(params.maxFailureRate ?? 1, report.thresholds.maxFailureRate);
  const measurements: Figures = {
    mode: report.mode,
    share: report.share,
    promotable: report.promotable,
    samples: report.samples,
    requests: report.requests,
    failures: report.failures,
    failureRate: report.failureRate,
    minSamples,
    minCosine,
    maxFailureRate,
  };
  const put = (name: string, value: number | null) => {
    if (value !== null) measurements[name] = value;
  };
  put('cosineMean', report.cosine.mean);
  put('cosineMin', report.cosine.min);
  put('cosineP05', report.cosine.p05);
  put('cpuP50Ms', report.latencyMs.cpu.p50);
  put('cpuP99Ms', report.latencyMs.cpu.p99);
  put('gpuP50Ms', report.latencyMs.gpu.p50);
  put('gpuP99Ms', report.latencyMs.gpu.p99);
  if (report.reasons.length > 0) measurements.reasons = report.reasons.slice(0, 10);
  if (!report.enabled) {
    const why = report.reasons[0] ? `: ${plain(report.reasons[0])}` : '';
    return {
      status: 'fail',
      summary: `no canary figures (mode ${plain(report.mode)})${why}`,
      measurements,
    };
  }
  const shortfalls: string[] = [];
  if (report.samples < minSamples) shortfalls.push(`${report.samples} samples < ${minSamples}`);
  const mean = report.cosine.mean;
  if (mean === null) shortfalls.push('no mean cosine');
  else if (mean < minCosine) shortfalls.push(`mean cosine ${mean} < ${minCosine}`);
  if (report.failureRate > maxFailureRate) {
    shortfalls.push(`GPU failure rate ${report.failureRate} > ${maxFailureRate}`);
  }
  if (!report.promotable) {
    const said =
      report.reasons.length > 0 ? report.reasons.map(plain).join('; ') : 'no reason given';
    shortfalls.push(`the service says not promotable (${said})`);
  }
  if (shortfalls.length > 0) {
    return {
      status: 'fail',
      summary: `${path}: GPU canary not proven: ${shortfalls.join(', ')}`,
      measurements,
    };
  }
  return {
    status: 'pass',
    summary: `GPU canary promotable: ${report.samples} samples, mean cosine ${mean} (min ${report.cosine.min}, p05 ${report.cosine.p05}), failure rate ${report.failureRate}`,
    measurements,
  };
}

/** A service's words on one printable line, cut short: they land in summaries and gate blockers. */
function plain(text: string): string {
  const line = text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}
