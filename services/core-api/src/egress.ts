import {
  describeDestination,
  type EgressBlockEvent,
  type EgressDestination,
  EgressGuard,
  type EgressVerdict,
  egressInterceptor,
  guardGlobalDispatcher,
  installSocketGuard,
  PolicyMirror,
} from '@bulwark/gate';
import type { Service } from '@bulwark/kit';
import { Counter } from 'prom-client';
import type { Dispatcher } from 'undici';
import type { AuditTrail } from './audit.js';

const INFRASTRUCTURE: EgressVerdict = Object.freeze({
  allow: true,
  reason:
    "one of the service's configured dependencies (ledger, tool gate, trace collector, database, Redis)",
});

/** Ports a dependency URL without one means (the database and Redis are dependencies too). */
const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'http:': 80,
  'https:': 443,
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'rediss:': 6379,
};

/**
 * core-api's in-process egress guard: every outbound connection, through the kit's client, any
 * undici or fetch call, or a raw net/tls socket, is checked against the tool gate's active mode,
 * after DNS resolution too. The service's own dependencies, named in its configuration rather
 * than by any tool input, are always allowed: a tool cannot choose them. The policy comes from
 * the tool gate (PolicyMirror); until it has arrived every other destination is denied.
 * Each block is counted in bulwark_egress_blocked_total and appended to the ledger.
 */
export class CoreApiEgressGuard {
  readonly guard: EgressGuard;
  readonly interceptor: Dispatcher.DispatcherComposeInterceptor;
  #mirror: PolicyMirror | undefined;
  #infrastructure: readonly { host: string; port: number }[] = [];
  #onBlock: (event: EgressBlockEvent) => void = () => undefined;

  constructor() {
    this.guard = new EgressGuard({
      check: (destination) => this.#check(destination),
      onBlock: (event) => this.#onBlock(event),
    });
    this.interceptor = egressInterceptor(this.guard);
  }

  /** Wires the guard into a built service: the policy mirror, the socket hook, metrics, ledger. */
  attach(
    service: Service,
    options: { toolGateUrl: string; dependencies: readonly string[]; audit: AuditTrail },
  ) {
    this.#infrastructure = [options.toolGateUrl, ...options.dependencies].map((url) => {
      const parsed = new URL(url);
      const port = Number(parsed.port) || (DEFAULT_PORTS[parsed.protocol] ?? 80);
      return { host: parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
    });
    const blocked = new Counter({
      name: 'bulwark_egress_blocked_total',
      help: 'Outbound connections the in-process egress guard refused, by layer.',
      labelNames: ['layer'],
      registers: [service.metrics.registry],
    });
    this.#onBlock = (event) => {
      blocked.inc({ layer: event.layer });
      const destination = describeDestination(event.destination);
      service.logger.warn(
        { destination, layer: event.layer, reason: event.verdict.reason },
        'egress blocked',
      );
      options.audit
        .record({
          kind: 'egress.blocked',
          actor: 'core-api',
          payload: {
            destination,
            layer: event.layer,
            reason: event.verdict.reason,
            mode: this.#mirror?.mode ?? null,
          },
        })
        .catch((error: unknown) =>
          service.logger.error({ err: error }, 'egress block not recorded in the ledger'),
        );
    };
    const mirror = new PolicyMirror(service.http, options.toolGateUrl, { logger: service.logger });
    this.#mirror = mirror;
    // Sockets (every TCP client, after DNS) and undici's global dispatcher (fetch, with its
    // scheme); the kit's own client carries the interceptor already.
    const uninstallSockets = installSocketGuard(this.guard);
    const restoreDispatcher = guardGlobalDispatcher(this.guard);
    service.resources.add('egress-guard', async () => {
      mirror.stop();
      restoreDispatcher();
      uninstallSockets();
    });
    service.onStartup('tool-gate-policy', () => mirror.start());
  }

  /**
   * Brings the policy copy up to a decision of the gate before a tool acts on it. The mirror
   * polls about once a second; without this, an action the gate allowed just after a transition
   * or a bundle install would be judged by the previous allow-list (refused, and recorded as a
   * blocked egress). A failed refresh keeps the old copy, so the guard still fails closed.
   */
  async follow(decision: {
    readonly mode: string;
    readonly counter: number;
    readonly policyDigest: string;
  }): Promise<void> {
    if (this.#mirror && !this.#mirror.matches(decision)) await this.#mirror.refresh();
  }

  #check(destination: EgressDestination): EgressVerdict {
    const names = [destination.host?.toLowerCase(), destination.address];
    for (const dependency of this.#infrastructure) {
      if (dependency.port === destination.port && names.includes(dependency.host))
        return INFRASTRUCTURE;
    }
    const mirror = this.#mirror;
    if (!mirror)
      return { allow: false, reason: 'the egress guard is not attached to a service yet' };
    return mirror.egress(destination);
  }
}
