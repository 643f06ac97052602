import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { ConfigRegistryError } from '../errors.js';
import type { Ack, ApplyMessage, ConfigName, Presence } from '../types.js';
import { checkConfigName } from './names.js';
import { Subscriptions, signal, warnProcess } from './subscriptions.js';
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
} from './wire.js';

export interface NatsConfigTransportOptions {
  /** The server(s) to connect to (NATS_URL). Ignored when `connection` is given. */
  readonly servers?: string | readonly string[];
  /** An open connection to use instead; close() then leaves it open (its owner closes it). */
  readonly connection?: NatsConnection;
  /**
   * What stream names and subjects start with, so deployments (or tests) can share a server:
   * `bulwark` gives the streams BULWARK_CONFIG and BULWARK_CONFIG_REPLIES and the subjects
   * `bulwark.config.apply.<config>`, `bulwark.config.ack.<config>.<instance>` and
   * `bulwark.config.presence.<config>.<instance>`. Lower case, digits and `_`. Default `bulwark`.
   */
  readonly namespace?: string;
  /**
   * The registry's durable consumers are `<registryName>-acks` and `<registryName>-presence`:
   * the server keeps their position, so a registry that restarts receives what it missed.
   * Default `config-registry`.
   */
  readonly registryName?: string;
  /** How long a JetStream request (a publish, creating a consumer) may take. Default 5000 ms. */
  readonly requestTimeoutMs?: number;
  /** How long acks and presence stay on the server. Default 7 days. */
  readonly repliesMaxAgeMs?: number;
  /** Delay before a registry-side message whose handler threw is delivered again. Default 1000 ms. */
  readonly retryDelayMs?: number;
  /** Where failed handlers and malformed messages are reported. Default: a process warning. */
  readonly onError?: TransportErrorReporter;
  /** The connection's name on the server (its monitoring pages). Default `bulwark-config`. */
  readonly name?: string;
}

const NAMESPACE = /^[a-z][a-z0-9_]{0,31}$/;
const DURABLE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$/;
/** Apply messages kept per config: the latest is what consumers need; the registry keeps history. */
const APPLY_HISTORY = 32;
const REPLIES_HISTORY = 64;
const WEEK_MS = 7 * 24 * 3600 * 1000;
/**
 * How long the server waits for the registry to acknowledge a message before delivering it again.
 * A registry that died mid-handler, or closed while its pull request was still open on the
 * server (a message sent then goes to the closed inbox), gets that message this long later; a
 * running handler extends it (`working()`), so it may take as long as it needs.
 */
const REGISTRY_ACK_WAIT_MS = 3_000;
const PULL_EXPIRES_MS = 5_000;

/**
 * ConfigTransport over NATS JetStream. Apply messages live on the stream `<NS>_CONFIG` (one
 * subject per config, the last 32 kept), so a consumer that subscribes late gets its config's
 * latest message first (an ordered consumer delivering the last message per subject, then what
 * follows). Acks and presence live on `<NS>_CONFIG_REPLIES`, read by the registry through
 * durable consumers that deliver one message at a time and move on only when its handler
 * returned: a registry that restarts mid-rollout resumes with the first ack it had not handled.
 * Both streams are created on connect when missing (idempotent: several processes may race).
 */
export class NatsConfigTransport implements ConfigTransport {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #ownsConnection: boolean;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: StreamNames;
  readonly #registryName: string;
  readonly #retryDelayMs: number;
  readonly #report: TransportErrorReporter;
  readonly #subscriptions = new Subscriptions();
  #closed: Promise<void> | undefined;

  private constructor(
    nc: NatsConnection,
    owns: boolean,
    jsm: JetStreamManager,
    js: JetStreamClient,
    names: StreamNames,
    options: NatsConfigTransportOptions,
  ) {
    this.#nc = nc;
    this.#ownsConnection = owns;
    this.#jsm = jsm;
    this.#js = js;
    this.#names = names;
    this.#registryName = options.registryName ?? 'config-registry';
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#report = options.onError ?? warnProcess;
  }

  /**
   * Connects (or takes `connection`), and creates the two streams when missing. Fails with
   * CONFIG_TRANSPORT_FAILED when the server cannot be reached or has no JetStream.
   */
  static async connect(options: NatsConfigTransportOptions): Promise<NatsConfigTransport> {
    const names = streamNames(options.namespace ?? 'bulwark');
    const registryName = options.registryName ?? 'config-registry';
    if (!DURABLE.test(registryName)) {
      throw new ConfigRegistryError(
        'CONFIG_BAD_NAME',
        `registry name ${JSON.stringify(registryName)} is not allowed: use A-Z, a-z, 0-9, _ and -`,
      );
    }
    const timeout = options.requestTimeoutMs ?? 5_000;
    let nc = options.connection;
    const owns = nc === undefined;
    try {
      nc ??= await connect({
        servers: options.servers === undefined ? undefined : [options.servers].flat(),
        name: options.name ?? 'bulwark-config',
        // A consumer waits for its server as long as it runs: it must not give up on rollouts.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout,
      });
    } catch (error) {
      throw transportFailed('nats', 'connect', error);
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout });
      await ensureStream(jsm, applyStreamConfig(names));
      await ensureStream(jsm, repliesStreamConfig(names, options.repliesMaxAgeMs ?? WEEK_MS));
      const js = jetstream(nc, { timeout });
      return new NatsConfigTransport(nc, owns, jsm, js, names, options);
    } catch (error) {
      if (owns) await nc.close().catch(() => undefined);
      throw transportFailed('nats', 'creating the config streams', error);
    }
  }

  async publishApply(message: ApplyMessage): Promise<void> {
    this.#checkOpen();
    const payload = encodeApply(message);
    await this.#publish(this.#names.apply(message.version.config), payload, 'publishing an apply');
  }

  async sendAck(ack: Ack): Promise<void> {
    this.#checkOpen();
    const payload = encodeAck(ack);
    await this.#publish(this.#names.ack(ack.config, ack.instance), payload, 'sending an ack');
  }

  async sendPresence(presence: Presence): Promise<void> {
    this.#checkOpen();
    const payload = encodePresence(presence);
    const subject = this.#names.presence(presence.config, presence.instance);
    await this.#publish(subject, payload, 'sending presence');
  }

  async onApply(
    config: ConfigName,
    handler: (message: ApplyMessage) => void | Promise<void>,
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    checkConfigName(config);
    let messages: ConsumerMessages;
    let pending: number;
    try {
      // Ordered: the client recreates it after a lost connection, from the last sequence seen.
      const consumer = await this.#js.consumers.get(this.#names.applyStream, {
        filter_subjects: this.#names.apply(config),
        deliver_policy: DeliverPolicy.LastPerSubject,
      });
      pending = (await consumer.info(true)).num_pending;
      messages = await consumer.consume({ max_messages: 16, expires: PULL_EXPIRES_MS });
    } catch (error) {
      throw transportFailed('nats', `subscribing to ${config}`, error);
    }
    const latestHandled = signal();
    if (pending === 0) latestHandled.resolve();
    const loop = (async () => {
      for await (const m of messages) {
        try {
          await handler(decodeApply(parseJson(m.string(), 'apply message')));
        } catch (error) {
          this.#report(error, `config ${config}: apply handler`);
        }
        latestHandled.resolve();
      }
    })();
    const unsubscribe = this.#subscriptions.add(async () => {
      await messages.close().catch(() => undefined);
      await loop.catch(() => undefined);
    });
    await Promise.race([latestHandled.promise, loop.catch(() => undefined)]);
    return unsubscribe;
  }

  onAck(
    handler: (ack: Ack, delivery: Delivery) => void | Promise<void>,
    options: RegistryFeedOptions = {},
  ): Promise<Unsubscribe> {
    return this.#registryFeed('acks', this.#names.ackFilter, decodeAck, handler, options);
  }

  onPresence(
    handler: (presence: Presence, delivery: Delivery) => void | Promise<void>,
    options: RegistryFeedOptions = {},
  ): Promise<Unsubscribe> {
    return this.#registryFeed(
      'presence',
      this.#names.presenceFilter,
      decodePresence,
      handler,
      options,
    );
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#subscriptions.stopAll();
      if (this.#ownsConnection) await this.#nc.close().catch(() => undefined);
    })();
    return this.#closed;
  }

  /**
   * A registry-side feed: a durable consumer, created with where to start when missing, that
   * hands one message at a time to the handler and acknowledges it to the server once the
   * handler returned. A throwing handler gets the same message again after retryDelayMs (with
   * one message in flight, nothing overtakes it); a malformed message is reported and dropped.
   */
  async #registryFeed<T>(
    feed: 'acks' | 'presence',
    filter: string,
    decode: (value: unknown) => T,
    handler: (value: T, delivery: Delivery) => void | Promise<void>,
    options: RegistryFeedOptions,
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    const durable = `${this.#registryName}-${feed}`;
    const stream = this.#names.repliesStream;
    let stopped = false;
    let messages: ConsumerMessages | undefined;
    const decodeOrReport = (m: JsMsg): T | undefined => {
      try {
        return decode(parseJson(m.string(), feed));
      } catch (error) {
        this.#report(error, `registry ${feed} feed (seq ${m.seq}; skipped)`);
        return undefined;
      }
    };
    try {
      if (!(await consumerExists(this.#jsm, stream, durable))) {
        let start: Partial<ConsumerConfig>;
        if (options.afterSeq !== undefined) {
          start = {
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: options.afterSeq + 1,
          };
        } else if (feed === 'acks') {
          start = { deliver_policy: DeliverPolicy.New };
        } else {
          // The latest presence of every instance first, then the durable from just after it.
          // (Not a durable delivering "last per subject": nats-server 2.9 skips messages of such
          // a consumer when it allows one unacknowledged message at a time.) The durable is made
          // after the snapshot was handled, so a registry that stops during it takes it again.
          const upTo = (await this.#jsm.streams.info(stream)).state.last_seq;
          await this.#presenceSnapshot(filter, upTo, async (m) => {
            const value = decodeOrReport(m);
            if (value === undefined) return;
            while (!stopped) {
              try {
                await handler(value, { seq: m.seq });
                return;
              } catch (error) {
                this.#report(error, `registry ${feed} handler (seq ${m.seq}; delivered again)`);
                await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs));
              }
            }
          });
          start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: upTo + 1 };
        }
        await this.#createDurable(durable, filter, start);
      }
      const consumer = await this.#js.consumers.get(stream, durable);
      // Short pull requests: one left open on the server by a closed feed ends soon.
      messages = await consumer.consume({ max_messages: 16, expires: PULL_EXPIRES_MS });
    } catch (error) {
      throw transportFailed('nats', `reading ${feed}`, error);
    }
    const consumed = messages;
    const loop = (async () => {
      for await (const m of consumed) {
        const value = decodeOrReport(m);
        if (value === undefined) {
          m.term();
          continue;
        }
        // A long handler keeps its message: the server would deliver it again after ack_wait.
        const working = setInterval(() => m.working(), REGISTRY_ACK_WAIT_MS / 2);
        try {
          await handler(value, { seq: m.seq });
        } catch (error) {
          this.#report(error, `registry ${feed} handler (seq ${m.seq}; delivered again)`);
          m.nak(this.#retryDelayMs);
          continue;
        } finally {
          clearInterval(working);
        }
        // Confirmed before the next message: a registry that stops right after a handler
        // returned resumes after that message, not with it.
        await m.ackAck().catch((error: unknown) => {
          this.#report(
            error,
            `registry ${feed} feed: acknowledging seq ${m.seq} (it may come again)`,
          );
        });
      }
    })();
    return this.#subscriptions.add(async () => {
      stopped = true;
      await consumed.close().catch(() => undefined);
      await loop.catch(() => undefined);
    });
  }

  /**
   * Hands over the last message of every subject under `filter` with a sequence up to `upTo`,
   * in sequence order, through an ordered consumer (no acknowledgements, so no skipping).
   */
  async #presenceSnapshot(
    filter: string,
    upTo: number,
    deliver: (m: JsMsg) => Promise<void>,
  ): Promise<void> {
    const consumer = await this.#js.consumers.get(this.#names.repliesStream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    if ((await consumer.info(true)).num_pending === 0) return;
    const messages = await consumer.consume({ max_messages: 64 });
    try {
      for await (const m of messages) {
        if (m.seq > upTo) break;
        await deliver(m);
        if (m.info.pending === 0 || m.seq === upTo) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
  }

  /** Creates the durable consumer; one another registry process created first is kept. */
  async #createDurable(
    durable: string,
    filter: string,
    start: Partial<ConsumerConfig>,
  ): Promise<void> {
    const stream = this.#names.repliesStream;
    try {
      await this.#jsm.consumers.add(stream, {
        durable_name: durable,
        filter_subject: filter,
        ack_policy: AckPolicy.Explicit,
        // One at a time: an ack is handled before the next, in the order consumers sent them.
        max_ack_pending: 1,
        // A registry that died holding a message gets it again this long after it restarts.
        ack_wait: nanos(REGISTRY_ACK_WAIT_MS),
        ...start,
      });
    } catch (error) {
      // Another registry process created it first: its position is the one to keep.
      if (await consumerExists(this.#jsm, stream, durable)) return;
      throw error;
    }
  }

  async #publish(subject: string, payload: string, operation: string): Promise<void> {
    try {
      await this.#js.publish(subject, payload);
    } catch (error) {
      if (this.#closed) throw transportClosed(this.kind);
      throw transportFailed('nats', operation, error);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw transportClosed(this.kind);
  }
}

interface StreamNames {
  readonly applyStream: string;
  readonly repliesStream: string;
  readonly prefix: string;
  readonly ackFilter: string;
  readonly presenceFilter: string;
  apply(config: string): string;
  ack(config: string, instance: string): string;
  presence(config: string, instance: string): string;
}

function streamNames(namespace: string): StreamNames {
  if (!NAMESPACE.test(namespace)) {
    throw new ConfigRegistryError(
      'CONFIG_BAD_NAME',
      `NATS namespace ${JSON.stringify(namespace)} is not allowed: use a-z, 0-9 and _, starting with a letter`,
    );
  }
  const prefix = `${namespace}.config`;
  const stream = `${namespace.toUpperCase()}_CONFIG`;
  return {
    applyStream: stream,
    repliesStream: `${stream}_REPLIES`,
    prefix,
    ackFilter: `${prefix}.ack.>`,
    presenceFilter: `${prefix}.presence.>`,
    // The names were checked by the encoders (names.ts): each is one subject token.
    apply: (config) => `${prefix}.apply.${config}`,
    ack: (config, instance) => `${prefix}.ack.${config}.${instance}`,
    presence: (config, instance) => `${prefix}.presence.${config}.${instance}`,
  };
}

function applyStreamConfig(names: StreamNames): Partial<StreamConfig> & { name: string } {
  return {
    name: names.applyStream,
    subjects: [`${names.prefix}.apply.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: APPLY_HISTORY,
    num_replicas: 1,
  };
}

function repliesStreamConfig(
  names: StreamNames,
  maxAgeMs: number,
): Partial<StreamConfig> & { name: string } {
  return {
    name: names.repliesStream,
    subjects: [`${names.prefix}.ack.*.*`, `${names.prefix}.presence.*.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: REPLIES_HISTORY,
    max_age: nanos(maxAgeMs),
    num_replicas: 1,
  };
}

/**
 * Creates the stream unless it exists. An existing stream is left as it is (its limits may have
 * been tuned by an operator); a stream created by a racing process counts as existing.
 */
async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  if (await streamExists(jsm, config.name)) return;
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if (await streamExists(jsm, config.name)) return;
    throw error;
  }
}

async function streamExists(jsm: JetStreamManager, name: string): Promise<boolean> {
  try {
    await jsm.streams.info(name);
    return true;
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
      return false;
    }
    throw error;
  }
}

async function consumerExists(
  jsm: JetStreamManager,
  stream: string,
  name: string,
): Promise<boolean> {
  try {
    await jsm.consumers.info(stream, name);
    return true;
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) {
      return false;
    }
    throw error;
  }
}
