import {
  type Clock,
  ConfigRegistryError,
  type ConfigSchemas,
  type RegistryStore,
  type RolloutEngine,
} from '@bulwark/config';
import { refusing } from '../errors.js';
import type { RegistryRecorder } from '../ledger-recorder.js';
import type { RegistryMetrics } from '../metrics.js';
import type { RegistryMonitor } from '../monitor.js';

/** What the routes work with. */
export interface RouteDeps {
  readonly store: RegistryStore;
  readonly schemas: ConfigSchemas;
  /** Absent when the registry runs without a transport: rollouts are refused. */
  readonly engine: RolloutEngine | undefined;
  readonly recorder: RegistryRecorder;
  readonly metrics: RegistryMetrics;
  readonly monitor: RegistryMonitor;
  readonly clock: Clock;
}

/**
 * A config the registry knows: one with a schema, or with published versions (kept after its
 * schema left this build). Anything else is 404 CONFIG_NOT_FOUND naming what there is.
 */
export function checkKnown(deps: RouteDeps, name: string): Promise<void> {
  return refusing(async () => {
    if (deps.schemas.has(name)) return;
    if ((await deps.store.latestVersion(name)) !== undefined) return;
    const known = [...new Set(deps.schemas.list().map((entry) => entry.name))];
    throw new ConfigRegistryError(
      'CONFIG_NOT_FOUND',
      `no config is named ${name}: the registry knows ${known.length === 0 ? 'none' : known.join(', ')}`,
    );
  });
}
