import { ENDPOINTS, SERVICE_METRIC_FAMILIES, WORKER_METRIC_FAMILIES } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { bodyArtifact } from './evidence.js';
import type { Answer } from './http.js';
import { runMetricsCheck } from './probe-checks.js';
import { serviceTarget, targetVersionOf } from './service-target.js';

export const MetricsContractParams = Type.Object(
  {
    families: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' }), { minItems: 1 }),
    ),
  },
  { additionalProperties: false },
);
export type MetricsContractParamsValue = Static<typeof MetricsContractParams>;

/** The exposition is kept as evidence up to this size; a large service's runs to a few MiB. */
const METRICS_ARTIFACT_LIMIT = 262_144;

/**
 * /metrics in the Prometheus text format with every family the kit contract names for the
 * service's kind (a worker's ops port has the worker families), or the families the plan lists.
 */
export const metricsContractCheck: CheckPlugin<MetricsContractParamsValue> = {
  id: 'metrics.contract',
  description:
    '/metrics serves the Prometheus text format with every metric family of the kit contract',
  params: MetricsContractParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('metrics.contract', ctx);
    const families =
      params.families ??
      (target.service.kind === 'worker' ? WORKER_METRIC_FAMILIES : SERVICE_METRIC_FAMILIES);
    let exposition: Answer | undefined;
    const result = await runMetricsCheck({
      client: target.client,
      base: target.base,
      samples: 1,
      families,
      progress: ctx.progress,
      signal: target.signal,
      observe: (_path, answer) => {
        exposition = answer;
      },
    });
    if (ctx.signal.aborted) return aborted();
    const version = exposition ? await targetVersionOf(target) : undefined;
    return {
      status: result.ok ? 'pass' : 'fail',
      summary: result.ok ? `${ENDPOINTS.metrics}: ${result.detail}` : result.detail,
      measurements: { ...result.measurements, expected: families },
      artifacts: exposition
        ? [bodyArtifact('metrics.txt', exposition, METRICS_ARTIFACT_LIMIT)]
        : [],
      ...(version === undefined ? {} : { targetVersion: version }),
    };
  },
};
