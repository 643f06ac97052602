import { Agent, request } from 'undici';
import { ConfigRegistryError } from '../errors.js';
import type { Ack, ApplyMessage, ConfigName, Presence } from '../types.js';
import { appliesPath, CONFIG_FEED_PATHS, CONFIG_FEED_PROTOCOL } from './config-feed-schemas.js';
import { ApplyStream } from './http-apply-stream.js';
import { registryRefusal } from './http-refusal.js';
import { checkConfigName } from './names.js';
import { Subscriptions, warnProcess } from './subscriptions.js';
import type { ConfigTransport, TransportErrorReporter, Unsubscribe } from './transport.js';
import { transportClosed, transportFailed } from './transport-errors.js';
import { encodeAck, encodePresence } from './wire.js';

export interface HttpConfigTransportOptions {
  /** The embedded registry's base URL (BULWARK_CONFIG_REGISTRY_URL): `http://host:port`. */
  readonly url: string;
  /** Sent with every request: the API key when the registry requires authentication. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long connecting, an ack, a presence or opening a stream may take. Default 5000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * A stream silent this long (no event, no heartbeat) is taken as lost and opened again.
   * Default 45000 ms: three of the registry's heartbeats (every 15 s) missed.
   */
  readonly idleTimeoutMs?: number;
  /** The streams' reconnect backoff: first delay, doubling up to the maximum. */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** Where failed handlers and lost streams are reported. Default: a process warning. */
  readonly onError?: TransportErrorReporter;
}

/**
 * The consumer side of ConfigTransport against a registry that runs embedded (its versions in
 * PGlite, which serves only the registry's process): apply messages arrive over the registry's
 * Server-Sent Events stream, acks and presence are POSTed to it (config-feed-routes.ts).
 *
 * Each onApply holds one stream, which resumes after the last seq it handled when it is lost
 * (ApplyStream). sendAck and sendPresence are one request each, failing with
 * CONFIG_TRANSPORT_FAILED within requestTimeoutMs while the registry is away; the consumer
 * retries them as it does on the other transports. The registry side (publishApply, onAck,
 * onPresence) is the registry's own EmbeddedConfigTransport: here they are refused.
 *
 * It owns an undici Agent: close() ends the streams (waiting for running handlers), aborts the
 * requests still pending, and closes the agent's connections.
 */
export class HttpConfigTransport implements ConfigTransport {
  readonly kind = 'http';
  readonly #base: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #agent: Agent;
  readonly #requestTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #report: TransportErrorReporter;
  readonly #subscriptions = new Subscriptions();
  /** Aborted by close(): every pending request listens to it. */
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  private constructor(base: string, agent: Agent, options: HttpConfigTransportOptions) {
    this.#base = base;
    this.#agent = agent;
    this.#headers = options.headers ?? {};
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
    this.#initialDelayMs = options.reconnect?.initialDelayMs ?? 100;
    this.#maxDelayMs = options.reconnect?.maxDelayMs ?? 5_000;
    this.#report = options.onError ?? warnProcess;
  }

  /**
   * Checks that the URL serves the config feed (GET /v1/config-transport). A URL that is not
   * http(s), a registry that cannot be reached, and a server that is not one fail with
   * CONFIG_TRANSPORT_FAILED.
   */
  static async connect(options: HttpConfigTransportOptions): Promise<HttpConfigTransport> {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      base = new URL('invalid:');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new ConfigRegistryError(
        'CONFIG_TRANSPORT_FAILED',
        "the HTTP config transport needs the registry's http:// or https:// URL",
      );
    }
    const agent = new Agent({ connect: { timeout: options.requestTimeoutMs ?? 5_000 } });
    const transport = new HttpConfigTransport(base.toString().replace(/\/+$/, ''), agent, options);
    try {
      const info = JSON.parse(await transport.#call('GET', CONFIG_FEED_PATHS.info)) as {
        protocol?: unknown;
      };
      if (info.protocol !== CONFIG_FEED_PROTOCOL) {
        throw new Error(`it does not serve ${CONFIG_FEED_PROTOCOL}`);
      }
    } catch (error) {
      await transport.close();
      throw transportFailed('http', 'connecting to the registry', error);
    }
    return transport;
  }

  publishApply(_message: ApplyMessage): Promise<void> {
    return this.#registrySide('publishApply');
  }

  onAck(): Promise<Unsubscribe> {
    return this.#registrySide('onAck');
  }

  onPresence(): Promise<Unsubscribe> {
    return this.#registrySide('onPresence');
  }

  async onApply(
    config: ConfigName,
    handler: (message: ApplyMessage) => void | Promise<void>,
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    checkConfigName(config);
    const stream = new ApplyStream({
      url: this.#base + appliesPath(config),
      config,
      headers: this.#headers,
      dispatcher: this.#agent,
      handler,
      report: this.#report,
      requestTimeoutMs: this.#requestTimeoutMs,
      idleTimeoutMs: this.#idleTimeoutMs,
      initialDelayMs: this.#initialDelayMs,
      maxDelayMs: this.#maxDelayMs,
    });
    const unsubscribe = this.#subscriptions.add(() => stream.stop());
    try {
      await stream.start();
    } catch (error) {
      await unsubscribe();
      if (this.#closed) throw transportClosed(this.kind);
      throw error;
    }
    return unsubscribe;
  }

  async sendAck(ack: Ack): Promise<void> {
    this.#checkOpen();
    const payload = encodeAck(ack);
    await this.#send(CONFIG_FEED_PATHS.acks, payload, 'sending an ack');
  }

  async sendPresence(presence: Presence): Promise<void> {
    this.#checkOpen();
    const payload = encodePresence(presence);
    await this.#send(CONFIG_FEED_PATHS.presence, payload, 'sending presence');
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#subscriptions.stopAll();
      this.#closing.abort();
      await this.#agent.destroy().catch(() => undefined);
    })();
    return this.#closed;
  }

  async #send(path: string, payload: string, operation: string): Promise<void> {
    try {
      await this.#call('POST', path, payload);
    } catch (error) {
      if (this.#closed) throw transportClosed(this.kind);
      throw transportFailed('http', operation, error);
    }
  }

  /** One request under the request timeout and close(); the answer's text, or a refusal. */
  async #call(method: 'GET' | 'POST', path: string, payload?: string): Promise<string> {
    const headers: Record<string, string> = { ...this.#headers };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const { statusCode, body } = await request(this.#base + path, {
      dispatcher: this.#agent,
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#requestTimeoutMs)]),
    });
    const text = await body.text();
    if (statusCode < 200 || statusCode > 299) throw new Error(registryRefusal(statusCode, text));
    return text;
  }

  async #registrySide(operation: string): Promise<never> {
    this.#checkOpen();
    throw new ConfigRegistryError(
      'CONFIG_TRANSPORT_FAILED',
      `the HTTP config transport is a consumer's: ${operation} belongs to the registry's EmbeddedConfigTransport`,
    );
  }

  #checkOpen(): void {
    if (this.#closed) throw transportClosed(this.kind);
  }
}
