import type { HealthCheck, HealthVerdict } from './health.js';
import type { InstanceRecord, RolloutRecord, TargetRecord } from './records.js';

/** How many rollouts' readings a registry process keeps for status. */
const KEPT = 100;

type Reading = HealthVerdict & { at: number };

/**
 * The health readings of each rollout's bakes, in this registry process: when the current bake
 * last read health (none yet: read at once), and what each instance last answered, which
 * status shows (the reading that reverted a rollout explains it, so they outlive the rollout,
 * for the latest KEPT rollouts).
 */
export class HealthReadings {
  readonly #check: HealthCheck;
  readonly #byRollout = new Map<
    string,
    { at: number | undefined; verdicts: Map<string, Reading> }
  >();

  constructor(check: HealthCheck) {
    this.#check = check;
  }

  /** A new bake reads health at once; earlier answers stay for status. */
  bakeStarts(rolloutId: string): void {
    const reading = this.#byRollout.get(rolloutId);
    if (reading !== undefined) reading.at = undefined;
  }

  /** When the bake should read next: now if it has not, else an interval after the last. */
  nextAt(rollout: RolloutRecord, now: number): number {
    const last = this.#byRollout.get(rollout.id)?.at;
    return last === undefined ? now : last + rollout.healthIntervalMs;
  }

  /** A reading is due: at every interval, and once more at (or after) the end of the bake. */
  due(rollout: RolloutRecord, now: number): boolean {
    const last = this.#byRollout.get(rollout.id)?.at;
    if (last === undefined || now >= last + rollout.healthIntervalMs) return true;
    return rollout.deadline !== null && now >= rollout.deadline && last < rollout.deadline;
  }

  /**
   * Reads every instance that has the new version, together (those without a health URL have
   * only their acknowledgement to go by); returns the first red one.
   */
  async read(
    rollout: RolloutRecord,
    reached: readonly TargetRecord[],
    instances: readonly InstanceRecord[],
    now: number,
  ): Promise<{ instance: string; detail: string } | undefined> {
    const urls = new Map(instances.map((i) => [i.instance, i.healthUrl]));
    const reading = this.#of(rollout.id);
    reading.at = now;
    const checked = await Promise.all(
      reached.map(async (target) => {
        const url = urls.get(target.instance);
        if (url === null || url === undefined) return undefined;
        const verdict = await this.#check(url).catch(
          (error: unknown): HealthVerdict => ({ green: false, detail: String(error) }),
        );
        reading.verdicts.set(target.instance, { ...verdict, at: now });
        return { instance: target.instance, ...verdict };
      }),
    );
    return checked.find((c) => c !== undefined && !c.green);
  }

  /** What each instance of a rollout last answered. */
  verdicts(rolloutId: string): ReadonlyMap<string, Reading> | undefined {
    return this.#byRollout.get(rolloutId)?.verdicts;
  }

  #of(rolloutId: string) {
    let reading = this.#byRollout.get(rolloutId);
    if (reading === undefined) {
      reading = { at: undefined, verdicts: new Map() };
      this.#byRollout.set(rolloutId, reading);
      // The oldest go first (a Map keeps insertion order).
      for (const old of this.#byRollout.keys()) {
        if (this.#byRollout.size <= KEPT) break;
        this.#byRollout.delete(old);
      }
    }
    return reading;
  }
}
