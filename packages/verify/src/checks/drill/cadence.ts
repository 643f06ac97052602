import type { CheckRecord, EvidenceBundle } from '../../evidence/model.js';
import { findBundles, readBundle } from '../../evidence/read.js';
import { durationMs, formatDuration } from '../../plan/duration.js';
import type { Plan } from '../../plan/schema.js';

/**
 * A drill's cadence: a check binding's `cadence` (`7d`, `30d`) says how often it must run.
 * Its last run is the `startedAt` of its check record in the evidence, so a drill whose newest
 * run is older than its cadence is stale, whatever else the bundle holds. `bulwark plan status`
 * shows it; the promotion gate blocks on it (code `stale-drill`); `bulwark drill schedule`
 * renders the cadence as a CronJob and a systemd timer.
 */

/** Check ids that are drills: `bulwark drill NAME` runs `drill.NAME`. */
export const DRILL_PREFIX = 'drill.';

export function isDrill(check: string): boolean {
  return check.startsWith(DRILL_PREFIX);
}

/** One binding of the plan that has a cadence. */
export interface CadencedBinding {
  readonly criterion: string;
  readonly check: string;
  readonly cadence: string;
  readonly cadenceMs: number;
}

/** Every binding with a cadence, in plan order (a cadence works the same on any check). */
export function cadencedBindings(plan: Plan): CadencedBinding[] {
  return plan.criteria.flatMap((criterion) =>
    (criterion.checks ?? []).flatMap((binding) =>
      binding.cadence === undefined
        ? []
        : [
            {
              criterion: criterion.id,
              check: binding.check,
              cadence: binding.cadence,
              cadenceMs: durationMs(binding.cadence),
            },
          ],
    ),
  );
}

/** A check record that actually judged (a skip or an error ran nothing worth counting). */
function ran(record: CheckRecord): boolean {
  return record.status === 'pass' || record.status === 'warn' || record.status === 'fail';
}

/**
 * When a bundle last ran `check` for `criterion`: the oldest start of its runs there (a drill
 * bound to several services is as old as its oldest target); undefined when it did not run.
 */
export function lastRunIn(
  bundle: EvidenceBundle,
  criterion: string,
  check: string,
): string | undefined {
  const starts = (bundle.criteria.find((c) => c.id === criterion)?.checks ?? [])
    .filter((record) => record.check === check && ran(record))
    .map((record) => record.startedAt)
    .filter((at) => !Number.isNaN(Date.parse(at)))
    .sort();
  return starts[0];
}

export interface CadenceState extends CadencedBinding {
  /** Its last run in the evidence looked at; absent when that evidence did not run it. */
  readonly lastRunAt?: string;
  readonly ageMs?: number;
  /** Older than its cadence, or not run at all. */
  readonly stale: boolean;
}

/** Each cadenced binding against one bundle (none: nothing has run, so all are stale). */
export function cadenceStates(
  plan: Plan,
  bundle: EvidenceBundle | undefined,
  now: Date,
): CadenceState[] {
  return cadencedBindings(plan).map((binding) => {
    const lastRunAt = bundle ? lastRunIn(bundle, binding.criterion, binding.check) : undefined;
    if (lastRunAt === undefined) return { ...binding, stale: true };
    const ageMs = Math.max(0, now.getTime() - Date.parse(lastRunAt));
    return { ...binding, lastRunAt, ageMs, stale: ageMs > binding.cadenceMs };
  });
}

/** `12d 3h old, cadence 7d` or `not run, cadence 7d`: one phrase for tables and blockers. */
export function describeCadence(state: CadenceState): string {
  return state.ageMs === undefined
    ? `not run, cadence ${state.cadence}`
    : `${formatDuration(state.ageMs)} old, cadence ${state.cadence}`;
}

/** How many older bundles the gate reads to name a drill's last run; a bound on the I/O. */
const LOOK_BACK_LIMIT = 100;

/**
 * The newest run of a check for a criterion in the environment's other bundles (newest first,
 * skipping `except`), for the blocker's message only: the gate decides on the newest bundle,
 * and an older one is not trusted here (its signature is not checked). Unreadable bundles are
 * passed over.
 */
export async function lastRunInOlderBundles(
  root: string,
  environment: string,
  criterion: string,
  check: string,
  except: string,
): Promise<{ readonly dir: string; readonly at: string } | undefined> {
  const dirs = (await findBundles(root, environment).catch(() => [] as string[]))
    .filter((dir) => dir !== except)
    .slice(0, LOOK_BACK_LIMIT);
  for (const dir of dirs) {
    const loaded = await readBundle(dir).catch(() => undefined);
    const at = loaded ? lastRunIn(loaded.bundle, criterion, check) : undefined;
    if (at !== undefined) return { dir, at };
  }
  return undefined;
}
