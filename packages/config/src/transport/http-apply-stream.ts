import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import type { ApplyMessage } from '../types.js';
import { registryRefusal } from './http-refusal.js';
import { type SseEvent, SseParser } from './sse.js';
import type { TransportErrorReporter } from './transport.js';
import { transportClosed, transportFailed } from './transport-errors.js';
import { decodeApply, parseJson } from './wire.js';

export interface ApplyStreamOptions {
  /** The config's applies URL (CONFIG_FEED_PATHS.applies on the registry). */
  readonly url: string;
  readonly config: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly dispatcher: Dispatcher;
  readonly handler: (message: ApplyMessage) => void | Promise<void>;
  readonly report: TransportErrorReporter;
  /** How long opening the stream may take. */
  readonly requestTimeoutMs: number;
  /** A stream silent this long (no event, no heartbeat) is taken as lost. */
  readonly idleTimeoutMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * One consumer's subscription to a config's apply messages over the registry's event stream.
 * It remembers the seq of the last event it handled and, when the stream is lost (the registry
 * restarted, the network dropped, the stream fell silent past idleTimeoutMs), opens it again
 * with that seq as Last-Event-ID, after an exponential backoff: the registry then sends every
 * message after it, so nothing is skipped (a message may come twice). Events are handled one
 * at a time, in order; the next chunk is not read before the handler returned.
 */
export class ApplyStream {
  readonly #options: ApplyStreamOptions;
  readonly #stop = new AbortController();
  #lastSeq: number | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: ApplyStreamOptions) {
    this.#options = options;
  }

  /**
   * Opens the stream; resolves once the `ready` event came, that is after the handler finished
   * with the config's latest message. The first attempt failing rejects with
   * CONFIG_TRANSPORT_FAILED (later losses are reported and retried, never thrown).
   */
  start(): Promise<void> {
    let ready = () => {};
    let failed = (_error: unknown) => {};
    const started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    this.#loop = this.#run(ready, failed);
    return started;
  }

  /** Ends the stream; resolves when the handler running now (if any) has returned. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(ready: () => void, failed: (error: unknown) => void): Promise<void> {
    const { config, initialDelayMs, maxDelayMs, report } = this.#options;
    const signal = this.#stop.signal;
    let isReady = false;
    let attempt = 0;
    let lost = false;
    while (!signal.aborted) {
      try {
        await this.#stream(() => {
          attempt = 0;
          lost = false;
          if (!isReady) {
            isReady = true;
            ready();
          }
        });
        if (!signal.aborted) throw new Error('the registry ended the stream');
      } catch (error) {
        if (signal.aborted) break;
        if (!isReady) {
          failed(transportFailed('http', `subscribing to ${config}`, error));
          return;
        }
        // Once per loss; the attempts that follow fail quietly until one succeeds.
        if (!lost) report(error, `config ${config}: apply stream lost; reconnecting`);
        lost = true;
      }
      const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
      attempt++;
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
    if (!isReady) failed(transportClosed('http'));
  }

  /** One connection: returns when the registry ends it, throws when it fails. */
  async #stream(onReady: () => void): Promise<void> {
    const { url, dispatcher, requestTimeoutMs, idleTimeoutMs } = this.#options;
    const headers: Record<string, string> = {
      ...this.#options.headers,
      accept: 'text/event-stream',
    };
    if (this.#lastSeq !== undefined) headers['last-event-id'] = String(this.#lastSeq);
    const { statusCode, body } = await request(url, {
      dispatcher,
      headers,
      signal: this.#stop.signal,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: idleTimeoutMs,
    });
    if (statusCode !== 200) {
      const text = await body.text().catch(() => '');
      throw new Error(registryRefusal(statusCode, text));
    }
    const parser = new SseParser();
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      for (const event of parser.push(chunk)) {
        if (this.#stop.signal.aborted) return;
        await this.#dispatch(event, onReady);
      }
    }
  }

  async #dispatch(event: SseEvent, onReady: () => void): Promise<void> {
    const seq = event.id === undefined ? Number.NaN : Number(event.id);
    if (event.event === 'apply') {
      try {
        await this.#options.handler(decodeApply(parseJson(event.data, 'apply message')));
      } catch (error) {
        this.#options.report(error, `config ${this.#options.config}: apply handler`);
      }
      if (Number.isSafeInteger(seq)) this.#lastSeq = seq;
    } else if (event.event === 'ready') {
      // The registry's word on where the stream goes on from: after a database that was
      // replaced, lower than the seq this stream had.
      if (Number.isSafeInteger(seq)) this.#lastSeq = seq;
      onReady();
    }
  }
}
