import type { Ack, ApplyMessage, ConfigName, Presence } from '../types.js';

/** Stops a subscription; resolves when no handler call is running any more. */
export type Unsubscribe = () => Promise<void>;

/**
 * Where a registry-side message sits in the transport's log: the JetStream stream sequence on
 * NATS, the row's `seq` on PostgreSQL. It grows with every message of a feed, so the registry
 * can store the last one it handled and resume after it (`RegistryFeedOptions.afterSeq`).
 */
export interface Delivery {
  readonly seq: number;
}

/** Where a registry-side feed (acks, presence) starts. */
export interface RegistryFeedOptions {
  /**
   * Deliver only messages after this seq (a `Delivery.seq` the registry stored with what it
   * handled). Without it, acks start with those sent from now on, and presence with the latest
   * announcement of every instance. On NATS a durable consumer that already exists resumes where
   * it stopped (the server keeps its position), and this applies only when it is first created.
   */
  readonly afterSeq?: number;
}

/**
 * How rollout messages travel between the registry and the consumers. Three implementations:
 * NATS JetStream (`NATS_URL`; NatsConfigTransport), PostgreSQL LISTEN/NOTIFY over a table (a
 * postgres:// URL the registry and its consumers share; PostgresConfigTransport), and the
 * embedded default, where the registry keeps that table in its own PGlite and serves it over
 * HTTP (EmbeddedConfigTransport in the registry, HttpConfigTransport in consumers). Another broker
 * (the seeds' Kafka topic) is one more class behind this interface: it must pass the same
 * conformance suite (test/transport-conformance.ts). What each side may rely on:
 *
 * - Delivery is at least once: a handler may see a message twice and must be idempotent (the
 *   consumer ignores a version it already runs, and re-sends its ack).
 * - Messages of one config arrive in publish order; acks and presence in the order they were
 *   sent. A transport calls each subscription's handler one message at a time.
 * - `onApply` delivers the latest ApplyMessage of its config first, when there is one, and
 *   resolves only after the handler has finished with it: a consumer that awaits it starts on
 *   the version the registry last sent (the registry's state is the truth; the transport only
 *   carries it). Later messages follow, also after a lost connection (nothing is skipped).
 * - A registry-side handler that throws gets the same message again after a short delay (the
 *   feed does not move past it); one that returns has handled it for good. A consumer-side
 *   handler that throws is reported (`onError`) and the feed moves on.
 * - While the server is unreachable, the publishing calls (publishApply, sendAck, sendPresence)
 *   reject with ConfigRegistryError CONFIG_TRANSPORT_FAILED within the transport's request
 *   timeout, and the caller decides whether to retry; subscriptions wait for the server and
 *   then catch up. After close() every call rejects with CONFIG_TRANSPORT_CLOSED.
 * - Config names and instance ids are checked (CONFIG_BAD_NAME) before they reach the broker:
 *   they become subjects and channel payloads (see transport/names.ts).
 */
export interface ConfigTransport {
  /** `nats`, `postgres`, `embedded` or `http`, for logs, metrics and status. */
  readonly kind: string;

  /** Registry side: send an ApplyMessage to every consumer of its config. */
  publishApply(message: ApplyMessage): Promise<void>;
  /** Registry side: receive every consumer's Ack, of every config, in the order they were sent. */
  onAck(
    handler: (ack: Ack, delivery: Delivery) => void | Promise<void>,
    options?: RegistryFeedOptions,
  ): Promise<Unsubscribe>;
  /** Registry side: receive every consumer's Presence, of every config. */
  onPresence(
    handler: (presence: Presence, delivery: Delivery) => void | Promise<void>,
    options?: RegistryFeedOptions,
  ): Promise<Unsubscribe>;

  /**
   * Consumer side: receive ApplyMessages of one config, the latest one first if there is one;
   * resolves after the handler has finished with that latest message.
   */
  onApply(
    config: ConfigName,
    handler: (message: ApplyMessage) => void | Promise<void>,
  ): Promise<Unsubscribe>;
  /** Consumer side: acknowledge, or announce the version this instance runs. */
  sendAck(ack: Ack): Promise<void>;
  sendPresence(presence: Presence): Promise<void>;

  /**
   * Stops every subscription (waiting for running handlers) and closes connections; later calls
   * reject with ConfigRegistryError CONFIG_TRANSPORT_CLOSED. Calling it again does nothing.
   * Never call it from inside a handler of the same transport: it would wait for itself.
   */
  close(): Promise<void>;
}

/** Reports what a transport cannot throw to anyone: a failed handler, a lost connection. */
export type TransportErrorReporter = (error: unknown, context: string) => void;
