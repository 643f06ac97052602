import {
  type Database,
  isPostgresUrl,
  MigrationSet,
  migrateToLatest,
  openDatabase,
} from '@bulwark/db';
import { sql } from 'kysely';
import { ConfigRegistryError } from '../errors.js';
import type { Ack, ApplyMessage, ConfigName, Presence } from '../types.js';
import {
  insertMessage,
  lastMessageSeq,
  latestApplyMessage,
  latestPresenceMessages,
  type MessageLogTables,
  readMessages,
  registryDelivery,
  type StoredMessage,
} from './message-log.js';
import { checkConfigName } from './names.js';
import { type Delivered, LogFeed } from './postgres-feed.js';
import { NotificationListener } from './postgres-listener.js';
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

export interface PostgresConfigTransportOptions {
  /** The postgres:// URL the registry and its consumers share (CONFIG_TRANSPORT_URL). */
  readonly url: string;
  /** Apply this package's migration set `config_transport` on connect. Default true. */
  readonly migrate?: boolean;
  /** How long getting a connection may take before a call fails. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** The LISTEN connection's reconnect backoff: first delay, doubling up to the maximum. */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** Delay before a failed read, or a registry message whose handler threw, is tried again. */
  readonly retryDelayMs?: number;
  /** Where failed handlers, lost connections and malformed rows are reported. */
  readonly onError?: TransportErrorReporter;
  /** Connections in the pool that publishes and reads. Default 4. */
  readonly poolMax?: number;
}

/** The migration set of the transport's table (src/transport/migrations, copied into dist). */
export function configTransportMigrations(): MigrationSet {
  return MigrationSet.fromDirectory('config_transport', new URL('./migrations/', import.meta.url));
}

const CHANNELS: Record<WireKind, string> = {
  apply: 'bulwark_config_apply',
  ack: 'bulwark_config_ack',
  presence: 'bulwark_config_presence',
};

/**
 * ConfigTransport over PostgreSQL: every message is a row of `config_transport_messages`,
 * inserted with a pg_notify of its seq in one transaction (so a message is not bound by NOTIFY's
 * 8000 bytes, and a reader that was away finds it in the table). Readers LISTEN on one dedicated
 * connection and, when notified or reconnected, read the rows after the last seq they delivered:
 * after a lost connection nothing is missed (a row may be delivered twice). A consumer's
 * subscription first delivers its config's latest apply; the registry's feeds start where it
 * says (`afterSeq`, the seq it stored) or, without one, with new acks and the latest presence
 * of every instance.
 */
export class PostgresConfigTransport implements ConfigTransport {
  readonly kind = 'postgres';
  readonly #db: Database<MessageLogTables>;
  readonly #listener: NotificationListener;
  readonly #retryDelayMs: number;
  readonly #report: TransportErrorReporter;
  readonly #subscriptions = new Subscriptions();
  readonly #feeds = new Map<LogFeed, { kind: WireKind; config?: string }>();
  #closed: Promise<void> | undefined;

  private constructor(db: Database<MessageLogTables>, options: PostgresConfigTransportOptions) {
    this.#db = db;
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#report = options.onError ?? warnProcess;
    this.#listener = new NotificationListener({
      url: options.url,
      channels: Object.values(CHANNELS),
      onNotification: (channel, payload) => this.#notified(channel, payload),
      onReconnected: () => {
        for (const feed of this.#feeds.keys()) feed.wake();
      },
      report: this.#report,
      initialDelayMs: options.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 5_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    });
  }

  /**
   * Opens a pool on the URL and (unless `migrate: false`) applies the migration set
   * `config_transport` under the migrator's lock. A URL that is not postgres:// (a PGlite
   * directory serves one process, and the transport joins several) and a server that cannot
   * be reached fail with CONFIG_TRANSPORT_FAILED.
   */
  static async connect(options: PostgresConfigTransportOptions): Promise<PostgresConfigTransport> {
    if (!isPostgresUrl(options.url)) {
      throw new ConfigRegistryError(
        'CONFIG_TRANSPORT_FAILED',
        'the PostgreSQL config transport needs a postgres:// URL: the registry and its consumers are separate processes',
      );
    }
    let db: Database<MessageLogTables> | undefined;
    try {
      db = await openDatabase<MessageLogTables>({
        url: options.url,
        name: 'config-transport',
        pool: { max: options.poolMax ?? 4, connectionTimeoutMs: options.connectTimeoutMs ?? 5_000 },
      });
      if (options.migrate !== false) await migrateToLatest(db, configTransportMigrations());
    } catch (error) {
      await db?.close().catch(() => undefined);
      throw transportFailed('postgres', 'connect', error);
    }
    return new PostgresConfigTransport(db, options);
  }

  async publishApply(message: ApplyMessage): Promise<void> {
    this.#checkOpen();
    const payload = encodeApply(message);
    return this.#insert('apply', message.version.config, null, payload, 'publishing an apply');
  }

  async sendAck(ack: Ack): Promise<void> {
    this.#checkOpen();
    const payload = encodeAck(ack);
    return this.#insert('ack', ack.config, ack.instance, payload, 'sending an ack');
  }

  async sendPresence(presence: Presence): Promise<void> {
    this.#checkOpen();
    const payload = encodePresence(presence);
    return this.#insert(
      'presence',
      presence.config,
      presence.instance,
      payload,
      'sending presence',
    );
  }

  async onApply(
    config: ConfigName,
    handler: (message: ApplyMessage) => void | Promise<void>,
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    checkConfigName(config);
    const deliver = async (row: StoredMessage): Promise<Delivered> => {
      try {
        await handler(decodeApply(parseJson(row.payload, 'apply message')));
      } catch (error) {
        this.#report(error, `config ${config}: apply handler`);
      }
      return 'next';
    };
    let latest: StoredMessage | undefined;
    try {
      // LISTEN first: a message committed after the read below wakes the feed.
      await this.#listener.start();
      latest = await latestApplyMessage(this.#db.kysely, config);
    } catch (error) {
      throw transportFailed('postgres', `subscribing to ${config}`, error);
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
      await this.#listener.start();
      // Without a stored position: the acks sent from now on.
      afterSeq ??= await lastMessageSeq(this.#db.kysely);
    } catch (error) {
      throw transportFailed('postgres', 'reading acks', error);
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
    try {
      await this.#listener.start();
      if (afterSeq === undefined) {
        // Without a stored position: the latest announcement of every instance, then new ones.
        // Anything older than the last of those is superseded by it or delivered with it.
        afterSeq = await this.#latestPresence(deliver);
      }
    } catch (error) {
      throw transportFailed('postgres', 'reading presence', error);
    }
    return this.#follow('presence', undefined, afterSeq, deliver);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#subscriptions.stopAll();
      await this.#listener.close();
      await this.#db.close().catch(() => undefined);
    })();
    return this.#closed;
  }

  /** Registers a feed of `kind` (of one config, or of all) reading after `afterSeq`. */
  async #follow(
    kind: WireKind,
    config: string | undefined,
    afterSeq: number,
    deliver: (row: StoredMessage) => Promise<Delivered>,
  ): Promise<Unsubscribe> {
    const feed = new LogFeed({
      read: (after, limit) => readMessages(this.#db.kysely, kind, config, after, limit),
      deliver: (row) => deliver(row as StoredMessage),
      afterSeq,
      retryDelayMs: this.#retryDelayMs,
      report: this.#report,
      context: config === undefined ? `${kind} feed` : `config ${config}: ${kind} feed`,
    });
    this.#feeds.set(feed, config === undefined ? { kind } : { kind, config });
    const unsubscribe = this.#subscriptions.add(async () => {
      this.#feeds.delete(feed);
      await feed.stop();
    });
    // What was committed between the first read and now.
    feed.wake();
    return unsubscribe;
  }

  /** Delivers the latest presence of every (config, instance); returns the last seq delivered. */
  async #latestPresence(deliver: (row: StoredMessage) => Promise<Delivered>): Promise<number> {
    let last = 0;
    for (const row of await latestPresenceMessages(this.#db.kysely)) {
      // A handler that throws here is retried by the feed, which starts before this row.
      if ((await deliver(row)) === 'again') return last;
      last = row.seq;
    }
    return last;
  }

  async #insert(
    kind: WireKind,
    config: string,
    instance: string | null,
    payload: string,
    operation: string,
  ): Promise<void> {
    try {
      await insertMessage(
        this.#db.kysely,
        { kind, config, instance, payload },
        async (trx, seq) => {
          const note = JSON.stringify({ seq, config });
          await sql`SELECT pg_notify(${CHANNELS[kind]}, ${note})`.execute(trx);
        },
      );
    } catch (error) {
      if (this.#closed) throw transportClosed(this.kind);
      throw transportFailed('postgres', operation, error);
    }
  }

  /** Wakes the feeds a notification concerns: its kind, and for apply its config. */
  #notified(channel: string, payload: string): void {
    const kind = (Object.keys(CHANNELS) as WireKind[]).find((k) => CHANNELS[k] === channel);
    if (kind === undefined) return;
    let config: string | undefined;
    try {
      config = (parseJson(payload, 'notification') as { config?: string }).config;
    } catch {
      config = undefined;
    }
    for (const [feed, wants] of this.#feeds) {
      if (wants.kind !== kind) continue;
      if (wants.config !== undefined && config !== undefined && wants.config !== config) continue;
      feed.wake();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw transportClosed(this.kind);
  }
}
