import { type Static, Type } from '@sinclair/typebox';
import type { CheckPlugin, Measurements, SampleSeries } from '../check.js';
import { aborted } from '../outcomes.js';
import { describeBody } from './answer.js';
import { latencySeries } from './evidence.js';
import { summarize } from './latency.js';
import { serviceTarget, targetVersionOf } from './service-target.js';

export const ProbeLatencyParams = Type.Object(
  {
    p95Ms: Type.Number({ exclusiveMinimum: 0, maximum: 600_000 }),
    samples: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
    endpoints: Type.Array(Type.String({ pattern: '^/', maxLength: 2000 }), {
      minItems: 1,
      maxItems: 50,
      default: ['/live', '/ready'],
    }),
  },
  { additionalProperties: false },
);
export type ProbeLatencyParamsValue = Static<typeof ProbeLatencyParams>;

/** Probe answers are small; a latency sample is not a download. */
const BODY_LIMIT = 1_048_576;

/**
 * p95 latency of each endpoint over `samples` GETs on one kept-alive connection, every answer a
 * 200 (a fast 503 is not a ready answer). One unrecorded request first opens the connection, so
 * TCP setup does not land in the first sample; `bulwark probe` measures the same way.
 * Percentiles are nearest-rank: always a latency that was observed.
 */
export const probeLatencyCheck: CheckPlugin<ProbeLatencyParamsValue> = {
  id: 'probe.latency',
  description: 'p95 latency of the probe endpoints is within p95Ms',
  params: ProbeLatencyParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('probe.latency', ctx);
    const endpoints = [...new Set(params.endpoints)];
    const warmUp = await target.client.get(target.url(endpoints[0] as string), {
      maxBodyBytes: BODY_LIMIT,
      signal: target.signal,
    });
    if (ctx.signal.aborted) return aborted();
    if (warmUp.kind === 'failure')
      return { status: 'fail', summary: `unreachable: ${warmUp.message}` };

    const samples: SampleSeries[] = [];
    const figures: Record<string, Measurements[string]> = { p95LimitMs: params.p95Ms };
    const problems: string[] = [];
    const p95s: string[] = [];
    for (const endpoint of endpoints) {
      const durations: number[] = [];
      const url = target.url(endpoint);
      for (let i = 1; i <= params.samples; i++) {
        ctx.progress(`${endpoint} ${i}/${params.samples}`);
        const exchange = await target.client.get(url, {
          maxBodyBytes: BODY_LIMIT,
          signal: target.signal,
        });
        if (ctx.signal.aborted) return aborted();
        const where = `${endpoint} sample ${i} of ${params.samples}`;
        if (exchange.kind === 'failure') {
          problems.push(`${where}: ${exchange.message}`);
          break;
        }
        durations.push(exchange.ms);
        if (exchange.status !== 200) {
          problems.push(`${where}: ${exchange.status} ${describeBody(exchange.body)}`.trimEnd());
          break;
        }
      }
      samples.push(latencySeries(endpoint, durations));
      const summary = summarize(durations);
      if (!summary) continue;
      for (const [key, value] of Object.entries(summary)) figures[`${endpoint}.${key}`] = value;
      p95s.push(`${endpoint} ${summary.p95Ms} ms`);
      if (durations.length === params.samples && summary.p95Ms > params.p95Ms) {
        problems.push(`${endpoint}: p95 ${summary.p95Ms} ms is over the ${params.p95Ms} ms limit`);
      }
    }
    const version = await targetVersionOf(target);
    const evidence = {
      measurements: figures,
      samples,
      ...(version === undefined ? {} : { targetVersion: version }),
    };
    if (problems.length > 0) return { status: 'fail', summary: problems.join('; '), ...evidence };
    return {
      status: 'pass',
      summary: `p95 ${p95s.join(', ')} within ${params.p95Ms} ms (${params.samples} samples each)`,
      ...evidence,
    };
  },
};
