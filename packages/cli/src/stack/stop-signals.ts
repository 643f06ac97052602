import { constants } from 'node:os';
import { SignalRepeats } from '@bulwark/kit/signal-repeats';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * `up`'s handlers for SIGINT, SIGTERM and SIGHUP, installed before anything is started and kept
 * until everything has stopped, so no signal in any phase can end `up` while its services run
 * on. The first signal aborts `signal`; a later one (not a launcher's forwarded copy of the same
 * keypress, see @bulwark/kit/signal-repeats) goes to the `onRepeat` callback.
 */
export class StopSignals {
  readonly #controller = new AbortController();
  readonly #repeats = new SignalRepeats();
  #received: StopSignal | undefined;
  #onRepeat: ((signal: StopSignal) => void) | undefined;
  readonly #handle = (signal: StopSignal) => {
    if (!this.#repeats.counts(signal)) return;
    if (this.#received === undefined) {
      this.#received = signal;
      this.#controller.abort(signal);
    } else {
      this.#onRepeat?.(signal);
    }
  };

  constructor() {
    for (const name of STOP_SIGNALS) process.on(name, this.#handle);
  }

  /** Aborted by the first signal; its reason is the signal's name. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get received(): StopSignal | undefined {
    return this.#received;
  }

  /** Resolves with the first signal's name. */
  first(): Promise<StopSignal> {
    const { signal } = this.#controller;
    if (signal.aborted) return Promise.resolve(this.#received!);
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve(this.#received!), { once: true });
    });
  }

  onRepeat(callback: (signal: StopSignal) => void): void {
    this.#onRepeat = callback;
  }

  dispose(): void {
    for (const name of STOP_SIGNALS) process.off(name, this.#handle);
  }
}

/** The shell's convention for a command ended by a signal: 128 + its number (130 for SIGINT). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}
