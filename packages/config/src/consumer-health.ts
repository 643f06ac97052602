import type { ConsumerHealth } from './consumer.js';

/** Where /health shows the consumers (`config` at the top level of the document). */
export const CONFIG_HEALTH_REPORT = 'config';

/** The part of a kit service this needs (Service and Worker have it). */
export interface HealthReportHost {
  addHealthReport(
    name: string,
    report: () => { readonly status: 'pass' | 'warn' | 'fail'; readonly [detail: string]: unknown },
  ): void;
}

/**
 * Adds the running config versions to the service's /health, as memu-core adds its jobs:
 * `"config": { "status": "pass", "notifications": { "version": 7, "state": "running", … } }`.
 * It stays `pass` when a version was refused (the instance runs the one before, healthy) and
 * while a restart for a new version drains the service (/ready says that); it is read from
 * memory on every request.
 */
export function addConfigHealthReport(
  service: HealthReportHost,
  consumers: readonly { readonly config: string; health(): ConsumerHealth }[],
): void {
  service.addHealthReport(CONFIG_HEALTH_REPORT, () => ({
    status: 'pass' as const,
    ...Object.fromEntries(consumers.map((consumer) => [consumer.config, consumer.health()])),
  }));
}
