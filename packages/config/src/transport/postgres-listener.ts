import pg from 'pg';
import type { TransportErrorReporter } from './transport.js';

export interface NotificationListenerOptions {
  readonly url: string;
  readonly channels: readonly string[];
  /** A notification arrived on one of the channels. */
  readonly onNotification: (channel: string, payload: string) => void;
  /**
   * The connection was lost and is back, LISTENing again: notifications sent meanwhile are
   * gone, so every reader must catch up from its last seq.
   */
  readonly onReconnected: () => void;
  readonly report: TransportErrorReporter;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly connectTimeoutMs: number;
}

/**
 * One dedicated pg.Client that LISTENs (a pooled connection would be handed to other queries and
 * its LISTEN lost). When the connection drops it reconnects with exponential backoff, forever
 * until closed, LISTENs again and says so (onReconnected).
 */
export class NotificationListener {
  readonly #options: NotificationListenerOptions;
  #client: pg.Client | undefined;
  #started: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #closed = false;

  constructor(options: NotificationListenerOptions) {
    this.#options = options;
  }

  /** Connects and LISTENs the first time it is called; rejects when that first attempt fails. */
  start(): Promise<void> {
    this.#started ??= this.#connect().catch((error: unknown) => {
      this.#started = undefined;
      throw error;
    });
    return this.#started;
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.url,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      // A half-open connection (a dead peer, no FIN) is found by TCP keepalive, not by waiting.
      keepAlive: true,
    });
    let listening = false;
    let lost = false;
    const onLost = (error?: Error) => {
      // Before LISTEN succeeded, a failure rejects connect() below and is handled there.
      if (!listening || lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#options.report(
        error ?? new Error('connection ended'),
        'config transport: LISTEN connection lost; reconnecting',
      );
      this.#scheduleReconnect();
    };
    // Listened to from the start: an 'error' event without a listener would end the process.
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      client.on('notification', (n) => this.#options.onNotification(n.channel, n.payload ?? ''));
      for (const channel of this.#options.channels) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    listening = true;
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#attempt = 0;
  }

  #scheduleReconnect(): void {
    const { initialDelayMs, maxDelayMs } = this.#options;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** this.#attempt);
    this.#attempt++;
    this.#retry = setTimeout(() => {
      this.#connect().then(
        () => {
          if (!this.#closed) this.#options.onReconnected();
        },
        () => {
          if (!this.#closed) this.#scheduleReconnect();
        },
      );
    }, delay);
  }
}
