import {
  type DependencyProbe,
  dependencyProbe,
  type ProbeDetails,
  type Service,
} from '@bulwark/kit';
import type { Ledger, UnwitnessedWindow } from '@bulwark/ledger';
import { Counter, Gauge } from 'prom-client';
import type { CheckpointScheduleOptions } from './checkpoint-schedule.js';

/** Thrown by the window probe when the tail has waited too long or a witness is failing. */
export class UnwitnessedWindowError extends Error {
  readonly code = 'LEDGER_WINDOW_TOO_LARGE';
}

/**
 * The unwitnessed tail in /metrics and /health. Gauges: entries after the size every witness
 * holds, the age of the oldest of them, and the checkpoint interval (so an alert can compare
 * the two). /health shows a non-critical component, `ledger-unwitnessed-window`, that warns
 * (never fails /ready) when the oldest entry has waited longer than `maxAgeMs` (the trailing
 * audit record of the newest checkpoint alone does not count) or a witness failed its last
 * checkpoint. Its details carry the window's figures whether it passes or warns.
 */
export class UnwitnessedWindowMonitor {
  readonly #ledger: Ledger;
  readonly #maxAgeMs: number;
  readonly #entries: Gauge;
  readonly #age: Gauge;
  readonly #witnessSize: Gauge;
  readonly #failures: Counter;
  #last: UnwitnessedWindow | undefined;

  readonly #schedule: CheckpointScheduleOptions;

  constructor(
    service: Service,
    ledger: Ledger,
    schedule: CheckpointScheduleOptions,
    maxAgeMs: number,
  ) {
    this.#ledger = ledger;
    this.#maxAgeMs = maxAgeMs;
    this.#schedule = schedule;
    const registers = [service.metrics.registry];
    this.#entries = new Gauge({
      name: 'bulwark_ledger_unwitnessed_entries',
      help: 'Entries after the newest checkpoint every witness holds (rewritable without a trace).',
      registers,
    });
    this.#age = new Gauge({
      name: 'bulwark_ledger_unwitnessed_age_seconds',
      help: 'Seconds since the oldest unwitnessed entry was recorded (0 when there is none).',
      registers,
    });
    new Gauge({
      name: 'bulwark_ledger_checkpoint_interval_seconds',
      help: 'How often the service signs a checkpoint when the log has grown (0: clock off).',
      registers,
    }).set(schedule.intervalMs / 1000);
    new Gauge({
      name: 'bulwark_ledger_checkpoint_after_entries',
      help: 'Unwitnessed entries that trigger a checkpoint at once (0: off).',
      registers,
    }).set(schedule.afterEntries);
    this.#witnessSize = new Gauge({
      name: 'bulwark_ledger_witness_size',
      help: 'The largest tree size each witness is known to hold.',
      labelNames: ['witness'],
      registers,
    });
    this.#failures = new Counter({
      name: 'bulwark_ledger_checkpoint_failures_total',
      help: 'Checkpoints that failed or that a witness did not accept.',
      registers,
    });
  }

  /** The window as last measured (undefined before the first measurement). */
  get last(): UnwitnessedWindow | undefined {
    return this.#last;
  }

  checkpointFailed(): void {
    this.#failures.inc();
  }

  /** Measures the window now and updates the gauges. */
  async measure(now = Date.now()): Promise<UnwitnessedWindow> {
    const window = await this.#ledger.unwitnessedWindow();
    this.#last = window;
    this.#entries.set(window.entries);
    this.#age.set(ageMs(window, now) / 1000);
    for (const w of window.witnesses) {
      if (w.size !== undefined) this.#witnessSize.set({ witness: w.name }, w.size);
    }
    return window;
  }

  /** The /health component: measures on every readiness round, warns past the bound. */
  probe(): DependencyProbe {
    const details = (): ProbeDetails | undefined => {
      const window = this.#last;
      if (window === undefined) return undefined;
      return {
        head_size: window.headSize,
        witnessed_size: window.witnessedSize,
        unwitnessed_entries: window.entries,
        oldest_unwitnessed_at:
          window.oldestTimeMs === undefined ? null : new Date(window.oldestTimeMs).toISOString(),
        only_checkpoint_audit: window.onlyCheckpointAudit,
        checkpoint_interval_seconds: this.#schedule.intervalMs / 1000,
        checkpoint_after_entries: this.#schedule.afterEntries,
        max_age_seconds: this.#maxAgeMs / 1000,
      };
    };
    const options = { name: 'ledger-unwitnessed-window', critical: false, details };
    return dependencyProbe(options, async () => {
      const now = Date.now();
      const window = await this.measure(now);
      // The newest checkpoint's own audit record always trails an idle ledger (docs/ledger.md,
      // "The unwitnessed window"): its age says nothing about the schedule.
      const age = window.onlyCheckpointAudit ? 0 : ageMs(window, now);
      const failing = window.witnesses.filter((w) => w.error !== undefined);
      if (age <= this.#maxAgeMs && failing.length === 0) return;
      const parts = [
        `${window.entries} entries after witnessed size ${window.witnessedSize}, oldest ${Math.round(age / 1000)} s old (bound ${Math.round(this.#maxAgeMs / 1000)} s)`,
        // Witness errors usually name their witness already.
        ...failing.map((w) =>
          w.error?.includes(w.name) ? w.error : `witness ${w.name}: ${w.error}`,
        ),
      ];
      throw new UnwitnessedWindowError(parts.join('; '));
    });
  }
}

function ageMs(window: UnwitnessedWindow, now: number): number {
  return window.oldestTimeMs === undefined ? 0 : Math.max(0, now - window.oldestTimeMs);
}
