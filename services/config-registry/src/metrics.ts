import { type ConfigOverview, ROLLOUT_STATES } from '@bulwark/config';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RegistryMonitor } from './monitor.js';

/**
 * The registry's metrics, read from the overview at each scrape (one store read for all the
 * gauges of a scrape). The consumers' own `config_update_apply_total{result}` and
 * `config_version` come from each instance (@bulwark/config's consumer).
 */
export class RegistryMetrics {
  readonly #versions: Counter<'config'>;

  constructor(registry: Registry, monitor: RegistryMonitor) {
    let pending: Promise<ConfigOverview[]> | undefined;
    const current = () => {
      pending ??= monitor.refresh().finally(() => {
        setTimeout(() => {
          pending = undefined;
        }, 50).unref();
      });
      return pending;
    };
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (g: Gauge<string>, overview: ConfigOverview[]) => void,
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          const overview = await current();
          this.reset();
          fill(this, overview);
        },
      });

    gauge(
      'config_rollout_stage',
      "The stage (1-based) of each config's newest rollout: running, or where it ended",
      ['config'],
      (g, overview) => {
        for (const c of overview) if (c.rollout) g.set({ config: c.config }, c.rollout.stage + 1);
      },
    );
    gauge(
      'config_rollout_state',
      "1 for the state of each config's newest rollout, 0 for the others",
      ['config', 'state'],
      (g, overview) => {
        for (const c of overview) {
          if (!c.rollout) continue;
          for (const state of ROLLOUT_STATES) {
            g.set({ config: c.config, state }, c.rollout.state === state ? 1 : 0);
          }
        }
      },
    );
    gauge(
      'config_registry_latest_version',
      'The newest published version of each config',
      ['config'],
      (g, overview) => {
        for (const c of overview) g.set({ config: c.config }, c.latestVersion);
      },
    );
    gauge(
      'config_instance_version',
      'The version each known instance last reported running (0: its files and environment)',
      ['config', 'instance'],
      (g, overview) => {
        for (const c of overview) {
          for (const i of c.instances) g.set({ config: c.config, instance: i.instance }, i.version);
        }
      },
    );
    this.#versions = new Counter({
      name: 'config_registry_versions_total',
      help: 'Versions published through this registry process, per config',
      labelNames: ['config'],
      registers: [registry],
    });
  }

  published(config: string): void {
    this.#versions.inc({ config });
  }
}
