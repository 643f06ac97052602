import type { DecisionInput, ToolGate } from '@bulwark/gate';
import type { Service } from '@bulwark/kit';
import type { Static } from '@sinclair/typebox';
import type { GateMetrics } from '../gate-metrics.js';
import { DecisionBody, DecisionReply, EgressBody } from './schemas.js';

/**
 * POST /v1/decisions: may this subject run this tool action now? The answer comes after the
 * decision's record is durable in the outbox. A full outbox answers deny (effect
 * `backpressure`) with Retry-After, and the record that could not be kept is never promised.
 * POST /v1/egress/check: what the active mode says of a destination (a query, not recorded).
 */
export function registerDecisionRoutes(service: Service, gate: ToolGate, metrics: GateMetrics) {
  service.app.post<{ Body: Static<typeof DecisionBody> }>(
    '/v1/decisions',
    { schema: { body: DecisionBody, response: { 200: DecisionReply } } },
    async (request, reply) => {
      const started = performance.now();
      const decision = await gate.decide(request.body as DecisionInput);
      metrics.decided(decision, (performance.now() - started) / 1000);
      if (decision.effect === 'backpressure') reply.header('retry-after', '1');
      return decision;
    },
  );

  service.app.post<{ Body: Static<typeof EgressBody> }>(
    '/v1/egress/check',
    { schema: { body: EgressBody } },
    async (request) => {
      const status = gate.status();
      return {
        ...gate.egress(request.body),
        mode: status.mode,
        policyVersion: status.policyVersion,
      };
    },
  );
}
