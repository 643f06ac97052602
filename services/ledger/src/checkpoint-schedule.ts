import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@bulwark/kit';
import type { Ledger, SignedCheckpoint } from '@bulwark/ledger';

export interface CheckpointScheduleOptions {
  /** Sign a checkpoint this often when the log has grown; 0 turns the clock off. */
  readonly intervalMs: number;
  /** Sign as soon as this many entries wait unwitnessed (a burst); 0 turns it off. */
  readonly afterEntries: number;
  /** Sign this long after the last append of a burst, once appends pause; 0 turns it off. */
  readonly quietMs: number;
}

export interface CheckpointScheduleHooks {
  readonly onSigned?: (checkpoint: SignedCheckpoint) => void;
  readonly onFailed?: (error: unknown) => void;
}

/**
 * When the ledger service signs checkpoints (each handed to every witness): on a clock, as soon
 * as a burst of appends reaches `afterEntries`, and `quietMs` after appends pause, so the
 * unwitnessed tail stays short whether the log is busy, bursty or quiet. Appends by other
 * processes are seen by the clock only.
 *
 * Signing appends its own audit record (stream "keys"); growth by that record alone does not
 * call for another checkpoint, or every checkpoint would cause the next one. It stays in the
 * window until the next real append is checkpointed (docs/ledger.md, "The unwitnessed window").
 */
export class CheckpointSchedule {
  readonly #ledger: Ledger;
  readonly #options: CheckpointScheduleOptions;
  readonly #logger: Logger;
  readonly #hooks: CheckpointScheduleHooks;
  /** The size the last checkpoint covered, counting its own audit record. */
  #coveredSize = 0;
  #due: (() => void) | undefined;
  /** A trigger that fired while a checkpoint was being signed: the loop goes round again. */
  #pending = false;
  #quietTimer: NodeJS.Timeout | undefined;
  #removeListener: (() => void) | undefined;

  constructor(
    ledger: Ledger,
    options: CheckpointScheduleOptions,
    logger: Logger,
    hooks: CheckpointScheduleHooks = {},
  ) {
    this.#ledger = ledger;
    this.#options = options;
    this.#logger = logger;
    this.#hooks = hooks;
  }

  get options(): CheckpointScheduleOptions {
    return this.#options;
  }

  /**
   * At start-up (before the service reports ready): what the witnesses already hold counts as
   * covered, so a restart signs nothing new when the log only grew by the last checkpoint's own
   * audit record; entries appended while the service was down (by other writers, or before a
   * crash) are checkpointed now. A failure is logged and left to the triggers.
   */
  async catchUp(): Promise<void> {
    try {
      const window = await this.#ledger.unwitnessedWindow();
      if (window.entries === 0 || window.onlyCheckpointAudit) this.#coveredSize = window.headSize;
      await this.checkpointIfGrown();
    } catch {
      // Reported through onFailed and the log already (or the store is down: /ready says so).
    }
  }

  /** Runs until `signal` aborts: checks whenever a trigger fires. */
  async run(signal: AbortSignal): Promise<void> {
    const { intervalMs, afterEntries, quietMs } = this.#options;
    if (afterEntries > 0 || quietMs > 0) {
      this.#removeListener = this.#ledger.onAppended((size) => this.#appended(size));
    }
    try {
      while (!signal.aborted) {
        await this.#nextTrigger(intervalMs, signal);
        if (signal.aborted) break;
        try {
          await this.checkpointIfGrown();
        } catch {
          // Reported through onFailed and the log already; the next trigger tries again.
        }
      }
    } finally {
      this.#removeListener?.();
      clearTimeout(this.#quietTimer);
    }
  }

  /** Signs a checkpoint now (the on-demand route): the latest one when nothing was appended. */
  async checkpointNow(): Promise<SignedCheckpoint> {
    try {
      const checkpoint = await this.#ledger.checkpoint();
      await this.#signed(checkpoint);
      return checkpoint;
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  /** Signs a checkpoint if the log grew beyond what the last one covered. */
  async checkpointIfGrown(): Promise<SignedCheckpoint | undefined> {
    if ((await this.#ledger.head()).size <= this.#coveredSize) return undefined;
    return this.checkpointNow();
  }

  async #signed(checkpoint: SignedCheckpoint): Promise<void> {
    const after = (await this.#ledger.head()).size;
    this.#coveredSize = after === checkpoint.size + 1 ? after : checkpoint.size;
    this.#logger.info(
      { size: checkpoint.size, checkpointId: checkpoint.id },
      'ledger checkpoint signed and witnessed',
    );
    this.#hooks.onSigned?.(checkpoint);
    // Appends that landed while it was signed are checkpointed once appends pause again.
    if (after > this.#coveredSize) this.#armQuietTimer();
  }

  #failed(error: unknown): void {
    this.#logger.warn({ err: error }, 'ledger checkpoint failed or was not witnessed');
    this.#hooks.onFailed?.(error);
  }

  #appended(size: number): void {
    const { afterEntries } = this.#options;
    if (afterEntries > 0 && size - this.#coveredSize >= afterEntries) {
      clearTimeout(this.#quietTimer);
      this.#fire();
      return;
    }
    this.#armQuietTimer();
  }

  #armQuietTimer(): void {
    if (this.#options.quietMs <= 0) return;
    clearTimeout(this.#quietTimer);
    this.#quietTimer = setTimeout(() => this.#fire(), this.#options.quietMs);
    this.#quietTimer.unref();
  }

  #fire(): void {
    if (this.#due) this.#due();
    else this.#pending = true;
  }

  /** Resolves on the clock, on a burst or pause trigger, or on abort. */
  async #nextTrigger(intervalMs: number, signal: AbortSignal): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.#due = stop;
    try {
      // A zero interval means no clock: wait for a trigger or shutdown only.
      await sleep(intervalMs > 0 ? intervalMs : 2 ** 31 - 1, undefined, {
        signal: controller.signal,
      }).catch(() => undefined);
    } finally {
      this.#due = undefined;
      signal.removeEventListener('abort', stop);
    }
  }
}
