import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export type TaskFn = (signal: AbortSignal) => Promise<void>;

/**
 * Background work owned by the lifecycle. Every task gets the same AbortSignal, aborted in the
 * shutdown phase after requests have drained; shutdown then waits for the tasks to settle.
 */
export class BackgroundTasks {
  readonly #controller = new AbortController();
  readonly #running = new Map<string, Promise<void>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Starts `fn` now. A task that throws is logged; it does not crash the process. */
  run(name: string, fn: TaskFn): void {
    if (this.#running.has(name)) throw new TypeError(`a task named "${name}" is already running`);
    if (this.#controller.signal.aborted) throw new TypeError('tasks are shutting down');
    const promise = (async () => {
      try {
        await fn(this.#controller.signal);
      } catch (err) {
        if (!this.#controller.signal.aborted) {
          this.#logger.error({ task: name, err }, `background task ${name} failed`);
        }
      } finally {
        this.#running.delete(name);
      }
    })();
    this.#running.set(name, promise);
  }

  /** Runs `fn` every `intervalMs` until shutdown; a failing run is logged and the next goes on. */
  every(name: string, intervalMs: number, fn: TaskFn): void {
    this.run(name, async (signal) => {
      while (!signal.aborted) {
        try {
          await fn(signal);
        } catch (err) {
          if (!signal.aborted) this.#logger.error({ task: name, err }, `task ${name} run failed`);
        }
        await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
      }
    });
  }

  /** Aborts every task and waits for all of them to settle. */
  async abortAll(): Promise<void> {
    this.#controller.abort();
    await Promise.allSettled(this.#running.values());
  }
}
