import type { RolloutPhase, RolloutState } from './records.js';
import type { RegistryStore } from './store.js';

/** One config at a glance: for /health, metrics and `bulwark config status`. */
export interface ConfigOverview {
  readonly config: string;
  /** The newest published version (0: none yet). */
  readonly latestVersion: number;
  /** The version its latest completed rollout left the instances on (0: none yet). */
  readonly currentVersion: number;
  /** The newest rollout, running or finished. */
  readonly rollout: {
    readonly id: string;
    readonly state: RolloutState;
    readonly phase: RolloutPhase;
    readonly stage: number;
    readonly stageCount: number;
    readonly toVersion: number;
    readonly cause: string | null;
  } | null;
  /** Each known instance and the version it last reported. */
  readonly instances: readonly { readonly instance: string; readonly version: number }[];
  /** The known instances do not all report one version. */
  readonly mixed: boolean;
}

/** Every config the registry has a version, a rollout or an instance of, by name. */
export async function registryOverview(store: RegistryStore): Promise<ConfigOverview[]> {
  const [latest, current, rollouts, instances] = await Promise.all([
    store.latestVersions(),
    store.currentVersions(),
    store.latestRollouts(),
    store.allInstances(),
  ]);
  const names = new Set([...latest.keys(), ...rollouts.map((r) => r.config)]);
  for (const instance of instances) names.add(instance.config);
  return [...names].sort().map((config) => {
    const rollout = rollouts.find((r) => r.config === config);
    const own = instances
      .filter((i) => i.config === config)
      .map((i) => ({ instance: i.instance, version: i.version }));
    return {
      config,
      latestVersion: latest.get(config) ?? 0,
      currentVersion: current.get(config) ?? 0,
      rollout:
        rollout === undefined
          ? null
          : {
              id: rollout.id,
              state: rollout.state,
              phase: rollout.phase,
              stage: rollout.stage,
              stageCount: rollout.stages.length,
              toVersion: rollout.toVersion,
              cause: rollout.cause,
            },
      instances: own,
      mixed: new Set(own.map((i) => i.version)).size > 1,
    };
  });
}
