import type { FileOutbox, LedgerBatchClient, OutboxShipper, ToolGate } from '@bulwark/gate';
import {
  createService,
  dependencyProbe,
  livenessCheck,
  type Service,
  type ServiceOptions,
} from '@bulwark/kit';
import { GateMetrics } from './gate-metrics.js';
import { registerDecisionRoutes } from './routes/decisions.js';
import { registerGateRoutes } from './routes/gate.js';

export const TOOL_GATE_VERSION = '0.1.0';

export interface ToolGateServiceOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  /** An opened gate; the service closes it, then the outbox, on shutdown. */
  gate: ToolGate;
  outbox: FileOutbox;
  outboxMaxRecords: number;
  /** Ships the outbox to the ledger; absent when no ledger is configured. */
  shipper?: OutboxShipper | undefined;
  /** The shipper's client; closed after the shipper stops. */
  ledgerClient?: LedgerBatchClient | undefined;
}

/** Warn in /health when the outbox is this full: the ledger is behind or away. */
const OUTBOX_WARN_RATIO = 0.8;

/** The tool gate over HTTP: the kit's operational contract plus /v1/decisions and /v1/gate. */
export function buildToolGateService(options: ToolGateServiceOptions): Service {
  const { gate, outbox, outboxMaxRecords, shipper, ledgerClient, ...serviceOptions } = options;
  const service = createService({
    name: 'tool-gate',
    version: TOOL_GATE_VERSION,
    ...serviceOptions,
  });
  // Resources close in reverse order: the shipper stops, then its client closes, then the
  // gate, then the outbox.
  service.resources.add('gate-outbox', () => outbox.close());
  service.resources.add('tool-gate', () => gate.close());
  if (ledgerClient) service.resources.add('gate-ledger-client', () => ledgerClient.close());
  if (shipper) {
    service.resources.add('gate-outbox-shipper', () => shipper.stop());
    service.onStartup('gate-outbox-shipper', async () => shipper.start());
  }

  const metrics = new GateMetrics(service, () => outbox.depth(), outboxMaxRecords);
  metrics.status(gate.status());
  gate.onChange((status) => metrics.status(status));

  const outboxFigures = () => ({
    depth: outbox.depth(),
    max_records: outboxMaxRecords,
    ...(shipper ? shipperFigures(shipper) : { ledger: 'not configured' }),
  });
  // Critical: a decision is answered only once its record is durable, so a gate whose outbox
  // cannot write answers nothing and must leave the rotation; only a restart reopens it.
  const outboxBroken =
    'the decision outbox cannot write (a write failed, or it is closed): decisions fail until the gate restarts';
  service.addReadinessProbe(
    dependencyProbe({ name: 'gate-outbox-writable' }, async () => {
      if (!outbox.writable) throw new Error(outboxBroken);
    }),
  );
  service.addLivenessCheck(
    livenessCheck('gate-outbox-writable', () =>
      outbox.writable || service.draining
        ? { alive: true }
        : { alive: false, reason: outboxBroken },
    ),
  );
  // Non-critical: a full outbox makes the gate deny, which is the safe answer; taking every
  // replica out of rotation as well would turn a slow ledger into an outage.
  service.addReadinessProbe(
    dependencyProbe(
      { name: 'gate-decision-outbox', critical: false, details: outboxFigures },
      async () => {
        const depth = outbox.depth();
        if (depth >= outboxMaxRecords * OUTBOX_WARN_RATIO) {
          throw new Error(
            `decision outbox holds ${depth} of ${outboxMaxRecords} records; the ledger is not keeping up`,
          );
        }
        const shipping = shipper?.status();
        if (shipping?.state === 'halted' && shipping.lastError) {
          throw new Error(`shipping to the ledger halted: ${shipping.lastError.message}`);
        }
        if (shipping?.lastError && !shipping.connected) {
          throw new Error(`the ledger is unreachable: ${shipping.lastError.message}`);
        }
      },
    ),
  );
  service.addReadinessProbe(
    dependencyProbe({ name: 'gate-policy', critical: false }, async () => {
      const status = gate.status();
      if (status.expired) {
        throw new Error(
          `policy version ${status.policyVersion} expired at ${status.policyExpiresAt}: every decision is a deny`,
        );
      }
    }),
  );

  registerDecisionRoutes(service, gate, metrics);
  registerGateRoutes(service, gate, metrics, { outbox: outboxFigures });
  return service;
}

function shipperFigures(shipper: OutboxShipper) {
  const status = shipper.status();
  return {
    ledger_connected: status.connected,
    last_shipped: status.lastShipped ?? null,
    shipper: status.state,
    last_error: status.lastError ? `${status.lastError.code}: ${status.lastError.message}` : null,
  };
}
