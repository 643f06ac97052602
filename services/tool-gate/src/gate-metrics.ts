import type { Decision, GateStatus } from '@bulwark/gate';
import type { Service } from '@bulwark/kit';
import { Counter, Gauge, Histogram } from 'prom-client';

/**
 * The gate's figures in /metrics: decision latency and throughput by result and mode (the
 * dashboard's "tool-gate decision throughput" panel), the active mode and policy version,
 * transitions, bundle installs and the outbox depth.
 */
export class GateMetrics {
  readonly #latency: Histogram;
  readonly #decisions: Counter;
  readonly #mode: Gauge;
  readonly #policyVersion: Gauge;
  readonly #policyExpiry: Gauge;
  readonly #transitions: Counter;
  readonly #bundles: Counter;
  readonly #decisionChildren = new Map<string, Counter.Internal>();
  #activeMode: string | undefined;

  constructor(service: Service, outboxDepth: () => number, outboxMax: number) {
    const registers = [service.metrics.registry];
    this.#latency = new Histogram({
      name: 'policy_decision_latency_seconds',
      help: 'Time from a decision request to its answer: evaluation plus the durable outbox write.',
      // Evaluation is microseconds; the durable write is a group-committed fdatasync.
      buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers,
    });
    this.#decisions = new Counter({
      name: 'gate_decisions_total',
      help: 'Decisions answered, by result (allow, deny, approval, backpressure) and mode.',
      labelNames: ['result', 'mode'],
      registers,
    });
    this.#mode = new Gauge({
      name: 'gate_mode',
      help: 'The active mode: 1 for the mode the gate is in, 0 for the others.',
      labelNames: ['mode'],
      registers,
    });
    this.#policyVersion = new Gauge({
      name: 'gate_policy_version',
      help: 'The version of the installed policy bundle.',
      registers,
    });
    this.#policyExpiry = new Gauge({
      name: 'gate_policy_expiry_timestamp_seconds',
      help: 'When the installed policy expires (after it, every decision is a deny).',
      registers,
    });
    this.#transitions = new Counter({
      name: 'gate_transitions_total',
      help: 'Mode transition requests, by result (accepted or the rejection reason).',
      labelNames: ['result'],
      registers,
    });
    this.#bundles = new Counter({
      name: 'gate_bundles_total',
      help: 'Policy bundles offered, by result (installed or the refusal reason).',
      labelNames: ['result'],
      registers,
    });
    new Gauge({
      name: 'gate_outbox_depth',
      help: 'Records written to the durable outbox and not yet acknowledged by the ledger.',
      registers,
      collect() {
        this.set(outboxDepth());
      },
    });
    new Gauge({
      name: 'gate_outbox_max_records',
      help: 'The outbox bound: at it the gate answers deny rather than drop a record.',
      registers,
    }).set(outboxMax);
  }

  /** Per decision: the labelled child is looked up once per (result, mode), not hashed each time. */
  decided(decision: Decision, seconds: number): void {
    this.#latency.observe(seconds);
    const key = `${decision.effect}\u0000${decision.mode}`;
    let child = this.#decisionChildren.get(key);
    if (!child) {
      child = this.#decisions.labels({ result: decision.effect, mode: decision.mode });
      this.#decisionChildren.set(key, child);
    }
    child.inc();
  }

  transition(result: string): void {
    this.#transitions.inc({ result });
  }

  bundle(result: string): void {
    this.#bundles.inc({ result });
  }

  /** Follows the gate's status: one mode at 1, every other known mode at 0. */
  status(status: GateStatus): void {
    for (const mode of status.modes) this.#mode.set({ mode }, mode === status.mode ? 1 : 0);
    if (this.#activeMode !== undefined && !status.modes.includes(this.#activeMode)) {
      this.#mode.remove({ mode: this.#activeMode });
    }
    this.#activeMode = status.mode;
    this.#policyVersion.set(status.policyVersion);
    this.#policyExpiry.set(Date.parse(status.policyExpiresAt) / 1000);
  }
}
