import type { Logger } from 'pino';
import { elapsed } from './resources.js';

/** One phase of the shutdown sequence. */
export interface ShutdownPhase {
  readonly name: string;
  run(): Promise<void> | void;
}

export interface ShutdownOutcome {
  readonly seconds: number;
  /** The phase that failed, if any; later phases still ran. */
  readonly failedPhase: string | undefined;
}

/**
 * Runs the phases in order and logs each with its duration. A failing phase is logged and the
 * sequence continues: a broken pool must not stop the telemetry flush behind it. The deadline
 * is enforced by the caller (see ProcessHooks), which owns the process.
 */
export async function runShutdown(
  phases: readonly ShutdownPhase[],
  logger: Logger,
): Promise<ShutdownOutcome> {
  const started = performance.now();
  let failedPhase: string | undefined;
  for (const phase of phases) {
    const phaseStarted = performance.now();
    try {
      await phase.run();
      logger.info(
        { phase: phase.name, duration_ms: elapsed(phaseStarted) },
        `shutdown phase ${phase.name} done`,
      );
    } catch (err) {
      failedPhase ??= phase.name;
      logger.error(
        { phase: phase.name, duration_ms: elapsed(phaseStarted), err },
        `shutdown phase ${phase.name} failed`,
      );
    }
  }
  return { seconds: elapsed(started) / 1000, failedPhase };
}
