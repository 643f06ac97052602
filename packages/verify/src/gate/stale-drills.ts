import {
  cadenceStates,
  DRILL_PREFIX,
  isDrill,
  lastRunInOlderBundles,
} from '../checks/drill/cadence.js';
import type { EvidenceBundle } from '../evidence/model.js';
import { formatDuration } from '../plan/duration.js';
import type { Plan } from '../plan/schema.js';
import type { GateBlocker } from './decision.js';

export interface StaleDrillOptions {
  readonly plan: Plan;
  /** The bundle the gate decides on (signature already verified). */
  readonly bundle: EvidenceBundle;
  readonly bundleDir: string;
  /** The required criteria: a cadence on a criterion the gate does not require blocks nothing. */
  readonly required: readonly string[];
  /** Where to look for the drill's last run when the bundle did not run it (message only). */
  readonly lookBackRoot?: string;
  readonly now: Date;
}

/**
 * `stale-drill` blockers: each required criterion's binding with a cadence whose last run in the
 * bundle that speaks for the criterion (the newest that ran it) is older than the cadence, or
 * that the bundle did not run at all (a skipped binding). An older bundle's run of the drill is
 * named in the message, never counted here.
 */
export async function staleDrillBlockers(options: StaleDrillOptions): Promise<GateBlocker[]> {
  const { plan, bundle, now } = options;
  const blockers: GateBlocker[] = [];
  for (const state of cadenceStates(plan, bundle, now)) {
    if (!options.required.includes(state.criterion) || !state.stale) continue;
    const again = isDrill(state.check)
      ? `bulwark drill ${state.check.slice(DRILL_PREFIX.length)} --env ${bundle.environment}`
      : `bulwark verify --env ${bundle.environment} --only ${state.criterion}`;
    if (state.lastRunAt !== undefined) {
      blockers.push({
        criterion: state.criterion,
        code: 'stale-drill',
        message: `${state.check} last ran ${state.lastRunAt} (${formatDuration(state.ageMs ?? 0)} ago); its cadence is ${state.cadence}: run ${again}`,
      });
      continue;
    }
    const older = options.lookBackRoot
      ? await lastRunInOlderBundles(
          options.lookBackRoot,
          bundle.environment,
          state.criterion,
          state.check,
          options.bundleDir,
        )
      : undefined;
    const before = older
      ? `; it last ran ${older.at} (${formatDuration(Math.max(0, now.getTime() - Date.parse(older.at)))} ago) in an older bundle, which does not speak for this criterion`
      : '';
    blockers.push({
      criterion: state.criterion,
      code: 'stale-drill',
      message: `${state.check} did not run in the newest bundle (cadence ${state.cadence})${before}: run ${again}`,
    });
  }
  return blockers;
}
