import { BundleRefusedError, type ToolGate, TransitionRejectedError } from '@bulwark/gate';
import type { Service } from '@bulwark/kit';
import type { GateMetrics } from '../gate-metrics.js';
import { SignedDocument } from './schemas.js';

export interface GateRouteOptions {
  readonly outbox: () => Record<string, unknown>;
}

/**
 * /v1/gate: the gate's status, signed mode transitions, signed policy bundles. A rejected
 * transition or refused bundle answers 422 problem+json whose code names the reason
 * (BW_GATE_TRANSITION_REPLAYED_NONCE, BW_GATE_BUNDLE_ROLLBACK, ...); it is in the ledger too.
 * The actor is the caller's request id until the kit's authentication lands: the signatures,
 * not the caller, are what authorize a change.
 */
export function registerGateRoutes(
  service: Service,
  gate: ToolGate,
  metrics: GateMetrics,
  options: GateRouteOptions,
) {
  const { app } = service;
  app.get('/v1/gate', async () => ({ ...gate.status(), outbox: options.outbox() }));

  app.get('/v1/gate/policy', async () => {
    const status = gate.status();
    return {
      mode: status.mode,
      counter: status.counter,
      policyDigest: status.policyDigest,
      policy: gate.policy.document,
    };
  });

  app.post('/v1/gate/transitions', { schema: { body: SignedDocument } }, async (request) => {
    try {
      const status = await gate.applyTransition(request.body, `request:${request.id}`);
      metrics.transition('accepted');
      return status;
    } catch (error) {
      if (error instanceof TransitionRejectedError) metrics.transition(error.reason);
      throw error;
    }
  });

  app.put('/v1/gate/policy', { schema: { body: SignedDocument } }, async (request) => {
    try {
      const bytes = Buffer.from(JSON.stringify(request.body));
      const status = await gate.installBundle(bytes, `request:${request.id}`);
      metrics.bundle('installed');
      return status;
    } catch (error) {
      if (error instanceof BundleRefusedError) metrics.bundle(error.reason);
      throw error;
    }
  });
}
