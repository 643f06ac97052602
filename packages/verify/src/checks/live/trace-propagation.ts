import { ENDPOINTS, HEADERS } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { headerOf } from './answer.js';
import { jsonArtifact } from './evidence.js';
import type { Answer } from './http.js';
import { runTraceCheck } from './probe-checks.js';
import { serviceTarget, targetVersionOf } from './service-target.js';

export const TracePropagationParams = Type.Object({}, { additionalProperties: false });
export type TracePropagationParamsValue = Static<typeof TracePropagationParams>;

/**
 * Sends a fresh W3C traceparent and reads the trace back from the W3C Trace Context Level 2
 * `traceresponse` the kit answers with: the same trace id means the service continued the
 * caller's trace. From outside, that answer is all there is to see; whether the service passes
 * the trace on to its own outbound calls is the kit's tested behaviour, not visible here.
 */
export const tracePropagationCheck: CheckPlugin<TracePropagationParamsValue> = {
  id: 'trace.propagation',
  description:
    'a W3C traceparent sent in is continued: the traceresponse carries the same trace id',
  params: TracePropagationParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger', 'tool-gate'],
  async run(_params, ctx) {
    const target = serviceTarget('trace.propagation', ctx);
    let seen: Answer | undefined;
    const result = await runTraceCheck({
      client: target.client,
      base: target.base,
      samples: 1,
      families: [],
      progress: ctx.progress,
      signal: target.signal,
      observe: (_path, answer) => {
        seen = answer;
      },
    });
    if (ctx.signal.aborted) return aborted();
    const version = seen ? await targetVersionOf(target) : undefined;
    return {
      status: result.ok ? 'pass' : 'fail',
      summary: result.detail,
      measurements: result.measurements,
      artifacts: seen
        ? [
            jsonArtifact('exchange.json', {
              request: { path: ENDPOINTS.live, traceId: result.measurements.sentTraceId },
              response: {
                status: seen.status,
                [HEADERS.traceresponse]: headerOf(seen, HEADERS.traceresponse) ?? null,
                [HEADERS.traceparent]: headerOf(seen, HEADERS.traceparent) ?? null,
                [HEADERS.requestId]: headerOf(seen, HEADERS.requestId) ?? null,
              },
            }),
          ]
        : [],
      ...(version === undefined ? {} : { targetVersion: version }),
    };
  },
};
