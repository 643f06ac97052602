import { Counter, Gauge, type Registry } from 'prom-client';
import type { AckResult } from './types.js';

export const CONFIG_APPLY_TOTAL = 'config_update_apply_total';
export const CONFIG_VERSION = 'config_version';

/**
 * The consumer's metrics: `config_update_apply_total{config,result}` counts what each apply
 * message naming the instance came to (applied, restarting, refused; a version it already runs
 * is not counted again), and `config_version{config,instance}` is the version it runs (0 before
 * any registry version). Several consumers of one process share the families.
 */
export class ConsumerMetrics {
  readonly #applies: Counter<'config' | 'result'>;
  readonly #version: Gauge<'config' | 'instance'>;

  constructor(registry: Registry) {
    this.#applies =
      (registry.getSingleMetric(CONFIG_APPLY_TOTAL) as Counter<'config' | 'result'> | undefined) ??
      new Counter({
        name: CONFIG_APPLY_TOTAL,
        help: 'Config versions a consumer was asked to apply, by what it did with them.',
        labelNames: ['config', 'result'],
        registers: [registry],
      });
    this.#version =
      (registry.getSingleMetric(CONFIG_VERSION) as Gauge<'config' | 'instance'> | undefined) ??
      new Gauge({
        name: CONFIG_VERSION,
        help: 'The config version an instance runs (0: only its files and environment).',
        labelNames: ['config', 'instance'],
        registers: [registry],
      });
  }

  counted(config: string, result: AckResult): void {
    this.#applies.inc({ config, result });
  }

  runs(config: string, instance: string, version: number): void {
    this.#version.set({ config, instance }, version);
  }
}
