import type { Ack, ApplyMessage, ConfigName, Presence } from '../types.js';
import type { EmbeddedMessageLog, StoredMessage } from './embedded-log.js';
import { registryDelivery } from './message-log.js';
import { checkConfigName } from './names.js';
import type { Delivered } from './postgres-feed.js';
import { Subscriptions, warnProcess } from './subscriptions.js';
import type {
  ConfigTransport,
  Delivery,
  RegistryFeedOptions,
  TransportErrorReporter,
  Unsubscribe,
} from './transport.js';
import { transportClosed, transportFailed } from './transport-errors.js';
import {
  decodeAck,
  decodeApply,
  decodePresence,
  encodeAck,
  encodeApply,
  encodePresence,
  parseJson,
  type WireKind,
} from './wire.js';

export interface EmbeddedConfigTransportOptions {
  /** Delay before a failed read, or a registry message whose handler threw, is tried again. */
  readonly retryDelayMs?: number;
  /** Where failed handlers and malformed messages are reported. Default: a process warning. */
  readonly onError?: TransportErrorReporter;
}

/**
 * ConfigTransport of a registry that runs embedded (its versions in PGlite, no NATS_URL, no
 * CONFIG_TRANSPORT_URL): the registry publishes and reads acks and presence through it, in its
 * own process, over an EmbeddedMessageLog in its database. Consumers in other processes use
 * HttpConfigTransport against the routes registerConfigFeedRoutes mounts over the same log.
 * Every side of the interface works in process too (a consumer living in the registry).
 *
 * close() stops this object's subscriptions only: the log and the database stay open (several
 * transports may share one log; the registry closes its database itself).
 */
export class EmbeddedConfigTransport implements ConfigTransport {
  readonly kind = 'embedded';
  readonly #log: EmbeddedMessageLog;
  readonly #retryDelayMs: number;
  readonly #report: TransportErrorReporter;
  readonly #subscriptions = new Subscriptions();
  #closed: Promise<void> | undefined;

  constructor(log: EmbeddedMessageLog, options: EmbeddedConfigTransportOptions = {}) {
    this.#log = log;
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#report = options.onError ?? warnProcess;
  }

  async publishApply(message: ApplyMessage): Promise<void> {
    this.#checkOpen();
    const payload = encodeApply(message);
    await this.#append('apply', message.version.config, null, payload, 'publishing an apply');
  }

  async sendAck(ack: Ack): Promise<void> {
    this.#checkOpen();
    const payload = encodeAck(ack);
    await this.#append('ack', ack.config, ack.instance, payload, 'sending an ack');
  }

  async sendPresence(presence: Presence): Promise<void> {
    this.#checkOpen();
    const payload = encodePresence(presence);
    await this.#append('presence', presence.config, presence.instance, payload, 'sending presence');
  }

  async onApply(
    config: ConfigName,
    handler: (message: ApplyMessage) => void | Promise<void>,
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    checkConfigName(config);
    const deliver = async (message: StoredMessage): Promise<Delivered> => {
      try {
        await handler(decodeApply(parseJson(message.payload, 'apply message')));
      } catch (error) {
        this.#report(error, `config ${config}: apply handler`);
      }
      return 'next';
    };
    let latest: StoredMessage | undefined;
    try {
      latest = await this.#log.latestApply(config);
    } catch (error) {
      throw transportFailed('embedded', `subscribing to ${config}`, error);
    }
    if (latest) await deliver(latest);
    return this.#follow('apply', config, latest?.seq ?? 0, deliver);
  }

  async onAck(
    handler: (ack: Ack, delivery: Delivery) => void | Promise<void>,
    options: RegistryFeedOptions = {},
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    let afterSeq = options.afterSeq;
    try {
      // Without a stored position: the acks sent from now on.
      afterSeq ??= await this.#log.lastSeq();
    } catch (error) {
      throw transportFailed('embedded', 'reading acks', error);
    }
    return this.#follow(
      'ack',
      undefined,
      afterSeq,
      registryDelivery('ack', decodeAck, handler, this.#report),
    );
  }

  async onPresence(
    handler: (presence: Presence, delivery: Delivery) => void | Promise<void>,
    options: RegistryFeedOptions = {},
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    const deliver = registryDelivery('presence', decodePresence, handler, this.#report);
    let afterSeq = options.afterSeq;
    if (afterSeq === undefined) {
      // Without a stored position: the latest announcement of every instance, then new ones.
      // Anything older than the last of those is superseded by it or delivered with it.
      let latest: StoredMessage[];
      try {
        latest = await this.#log.latestPresences();
      } catch (error) {
        throw transportFailed('embedded', 'reading presence', error);
      }
      afterSeq = 0;
      for (const message of latest) {
        // A handler that throws here is retried by the feed, which starts before this message.
        if ((await deliver(message)) === 'again') break;
        afterSeq = message.seq;
      }
    }
    return this.#follow('presence', undefined, afterSeq, deliver);
  }

  close(): Promise<void> {
    this.#closed ??= this.#subscriptions.stopAll();
    return this.#closed;
  }

  #follow(
    kind: WireKind,
    config: string | undefined,
    afterSeq: number,
    deliver: (message: StoredMessage) => Promise<Delivered>,
  ): Unsubscribe {
    const following = this.#log.follow({
      kind,
      ...(config === undefined ? {} : { config }),
      afterSeq,
      deliver,
      retryDelayMs: this.#retryDelayMs,
      report: this.#report,
      context: config === undefined ? `${kind} feed` : `config ${config}: ${kind} feed`,
    });
    return this.#subscriptions.add(() => following.stop());
  }

  async #append(
    kind: WireKind,
    config: string,
    instance: string | null,
    payload: string,
    operation: string,
  ): Promise<void> {
    try {
      await this.#log.append(kind, config, instance, payload);
    } catch (error) {
      if (this.#closed) throw transportClosed(this.kind);
      throw transportFailed('embedded', operation, error);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw transportClosed(this.kind);
  }
}
