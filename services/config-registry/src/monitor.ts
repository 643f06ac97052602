import { type ConfigOverview, type RegistryStore, registryOverview } from '@bulwark/config';
import { type DependencyProbe, dependencyProbe, type Service } from '@bulwark/kit';
import type { TransportChoice } from './config.js';
import type { LedgerOutbox } from './ledger-outbox.js';

/**
 * The registry at a glance (every config's latest and current version, its newest rollout, its
 * instances): read from the store on each readiness round and soon after every change, and
 * served from that copy by /health, which must not query anything itself.
 */
export class RegistryMonitor {
  readonly #store: RegistryStore;
  readonly #transport: TransportChoice;
  #outbox: LedgerOutbox | undefined;
  #last: ConfigOverview[] | undefined;
  #refreshing: Promise<ConfigOverview[]> | undefined;
  #again = false;

  constructor(service: Service, store: RegistryStore, transport: TransportChoice) {
    this.#store = store;
    this.#transport = transport;
    service.addHealthReport('configs', () => this.#report());
  }

  /** The outbox whose backlog /health shows. */
  watchOutbox(outbox: LedgerOutbox): void {
    this.#outbox = outbox;
  }

  /** Reads the overview now (a call during a read waits for the next one). */
  refresh(): Promise<ConfigOverview[]> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = registryOverview(this.#store)
      .then((overview) => {
        this.#last = overview;
        return overview;
      })
      .finally(() => {
        this.#refreshing = undefined;
        if (this.#again) {
          this.#again = false;
          void this.refresh().catch(() => undefined);
        }
      });
    return this.#refreshing;
  }

  /** Something changed: read again soon (failures wait for the next round). */
  changed(): void {
    void this.refresh().catch(() => undefined);
  }

  /** A non-critical readiness probe that refreshes the copy each round. */
  probe(): DependencyProbe {
    return dependencyProbe({ name: 'config-overview', critical: false }, () => this.refresh());
  }

  /**
   * /health's `configs` section: per config its latest version, the version its instances are
   * meant to run, the running (or last) rollout, and whether its instances disagree. `warn`
   * when there is no transport (no rollout can run), when instances run mixed versions with no
   * rollout under way, or when the ledger refuses the rollout events.
   */
  #report() {
    const overview = this.#last;
    const outbox = this.#outbox?.failing;
    const configs = Object.fromEntries(
      (overview ?? []).map((c) => [
        c.config,
        {
          latestVersion: c.latestVersion,
          currentVersion: c.currentVersion,
          rollout: c.rollout,
          instances: c.instances.length,
          mixed: c.mixed,
        },
      ]),
    );
    const unsettled = (overview ?? []).filter(
      (c) => c.mixed && !(c.rollout?.state === 'running' || c.rollout?.state === 'reverting'),
    );
    const warn = this.#transport === 'none' || unsettled.length > 0 || outbox?.failing === true;
    return {
      status: warn ? ('warn' as const) : ('pass' as const),
      transport: this.#transport,
      measured: overview !== undefined,
      configs,
      ...(unsettled.length === 0 ? {} : { mixedWithoutRollout: unsettled.map((c) => c.config) }),
      ...(outbox === undefined ? {} : { ledgerOutbox: outbox }),
    };
  }
}
