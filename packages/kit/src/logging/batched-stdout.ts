import type { DestinationStream } from 'pino';
import { pino } from 'pino';

/**
 * The process's stdout log destination: lines written during one event-loop turn leave in one
 * write at the end of that turn (setImmediate), instead of one write(2) per line.
 *
 * Why not sonic-boom's own buffering: its `minLength` holds lines until a size is reached, so on
 * a quiet service a line can wait indefinitely (or until `periodicFlush`); batching per turn
 * keeps every line on its way within the same tick while a busy server, which completes many
 * requests per turn, pays one syscall per turn. sonic-boom still does the writing (partial
 * writes, EAGAIN on a full pipe).
 *
 * Lines are never dropped by the batching: `flushSync` runs on process exit, and the kit's exit
 * path flushes through pino's `logger.flush`. Only a SIGKILL can lose the current turn's lines.
 */
class TurnBatchedDestination implements DestinationStream {
  readonly #target = pino.destination({ sync: true });
  #pending = '';
  #scheduled = false;
  readonly #flushTurn = () => {
    this.#scheduled = false;
    this.flushSync();
  };

  write(line: string): void {
    this.#pending += line;
    // A burst of large lines should not build an unbounded string.
    if (this.#pending.length >= 64 * 1024) this.flushSync();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushTurn);
    }
  }

  flushSync(): void {
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = '';
    this.#target.write(lines);
  }

  /** pino's `logger.flush(cb)` calls this. */
  flush(cb?: (err?: Error) => void): void {
    try {
      this.flushSync();
      cb?.();
    } catch (error) {
      cb?.(error as Error);
    }
  }
}

let stdout: TurnBatchedDestination | undefined;

/** One destination per process, shared by every kit logger in it, so their lines stay in order. */
export function batchedStdout(): DestinationStream {
  if (stdout === undefined) {
    const destination = new TurnBatchedDestination();
    process.once('exit', () => destination.flushSync());
    stdout = destination;
  }
  return stdout;
}
