import type { Logger } from 'pino';

export type CloseFn = () => Promise<void> | void;

/**
 * Resources close in reverse order of registration: a pool registered before the cache that
 * uses it is closed after it. A failing close is logged and the rest still close.
 */
export class ResourceStack {
  readonly #entries: Array<{ name: string; close: CloseFn }> = [];

  add(name: string, close: CloseFn): void {
    this.#entries.push({ name, close });
  }

  async closeAll(logger: Logger): Promise<void> {
    while (this.#entries.length > 0) {
      const entry = this.#entries.pop()!;
      const started = performance.now();
      try {
        await entry.close();
        logger.info(
          { resource: entry.name, duration_ms: elapsed(started) },
          `closed ${entry.name}`,
        );
      } catch (err) {
        logger.error(
          { resource: entry.name, duration_ms: elapsed(started), err },
          `failed to close ${entry.name}`,
        );
      }
    }
  }
}

export function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}
