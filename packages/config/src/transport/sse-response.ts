import { PassThrough } from 'node:stream';
import { SSE_HEARTBEAT } from './sse.js';

/**
 * The body of one text/event-stream answer: Fastify pipes it to the socket, and destroys it
 * when the client goes away. Writes wait while the socket is full (a slow consumer holds its
 * own stream back, not the registry's memory); a heartbeat comment goes out every
 * `heartbeatMs`, so proxies keep the connection and the client notices a dead registry.
 */
export class SseResponse {
  readonly body = new PassThrough();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #closed: Promise<void>;
  #open = true;

  constructor(heartbeatMs: number) {
    this.#closed = new Promise((resolve) => {
      this.body.once('close', () => {
        this.#open = false;
        clearInterval(this.#heartbeat);
        resolve();
      });
    });
    this.#heartbeat = setInterval(() => {
      if (this.#open) this.body.write(SSE_HEARTBEAT);
    }, heartbeatMs);
  }

  get open(): boolean {
    return this.#open;
  }

  /** Resolves when the stream is gone (ended and flushed, or destroyed by a lost client). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Writes, then waits while the socket is full; false once the stream is gone. */
  async write(text: string): Promise<boolean> {
    if (!this.#open) return false;
    if (!this.body.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.body.off('drain', done);
          this.body.off('close', done);
          resolve();
        };
        this.body.on('drain', done);
        this.body.on('close', done);
      });
    }
    return this.#open;
  }

  /** Ends the answer (what was written is still sent); the client then reconnects. */
  end(): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#heartbeat);
    this.body.end();
  }
}
