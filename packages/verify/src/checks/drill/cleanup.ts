/**
 * What a drill changed, and how to put it back. A drill registers an undo step right after each
 * change it makes (a stopped dependency, a scratch database, a child process, a killed service);
 * `undo` runs them newest first, every one even when an earlier one fails, whether the drill
 * passed, failed, threw or was interrupted. The contract every drill keeps: it leaves the
 * environment as it found it, or says exactly what it could not restore.
 */
export interface UndoFailure {
  readonly step: string;
  readonly message: string;
}

export class DrillCleanup {
  readonly #steps: Array<{ readonly name: string; readonly run: () => Promise<void> }> = [];
  #done = false;

  /** Registers how to undo one change; call it as soon as the change is made. */
  add(name: string, run: () => Promise<void> | void): void {
    if (this.#done) throw new Error(`cleanup already ran; cannot add ${name}`);
    this.#steps.push({ name, run: async () => run() });
  }

  /** Runs every undo step, newest first; returns the ones that failed (empty when all held). */
  async undo(): Promise<UndoFailure[]> {
    this.#done = true;
    const failures: UndoFailure[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        failures.push({ step: step.name, message: (error as Error).message.split('\n')[0] ?? '' });
      }
    }
    return failures;
  }
}

/**
 * Runs `drill` with a fresh cleanup and always undoes it. An undo that fails turns the outcome
 * into an error naming what was left changed, whatever the drill itself found.
 */
export async function withCleanup<T extends { status: string; summary: string }>(
  drill: (cleanup: DrillCleanup) => Promise<T>,
): Promise<T | { status: 'error'; summary: string; reason: string }> {
  const cleanup = new DrillCleanup();
  let outcome: T | undefined;
  let thrown: unknown;
  try {
    outcome = await drill(cleanup);
  } catch (error) {
    thrown = error;
  }
  const failures = await cleanup.undo();
  if (failures.length > 0) {
    const left = failures.map((f) => `${f.step} (${f.message})`).join('; ');
    return {
      status: 'error',
      summary: `the drill could not restore everything it changed: ${left}`,
      reason: `left changed: ${left}`,
    };
  }
  if (thrown !== undefined) throw thrown;
  return outcome as T;
}
