import {
  type Database,
  isPostgresUrl,
  MigrationSet,
  migrateToLatest,
  openDatabase,
} from '@bulwark/db';
import { type Generated, sql } from 'kysely';
import { ConfigRegistryError } from '../errors.js';
import type { Ack, ApplyMessage, ConfigName, Presence } from '../types.js';
import { checkConfigName } from './names.js';
import { type Delivered, LogFeed, type LogRow } from './postgres-feed.js';
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

interface TransportTables {
  config_transport_messages: {
    seq: Generated<string>;
    kind: WireKind;
    config: string;
    instance: string | null;
    payload: unknown;
    created_at: Generated<Date>;
  };
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
 * Publishers take this transaction-scoped advisory lock before they insert: rows then get their
 * seq in commit order, and "rows after the last seq I saw" never skips a row that committed late.
 */
const PUBLISH_LOCK = 0x62_77_63_66; // "bwcf"

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
  readonly #db: Database<TransportTables>;
  readonly #listener: NotificationListener;
  readonly #retryDelayMs: number;
  readonly #report: TransportErrorReporter;
  readonly #subscriptions = new Subscriptions();
  readonly #feeds = new Map<LogFeed, { kind: WireKind; config?: string }>();
  #closed: Promise<void> | undefined;

  private constructor(db: Database<TransportTables>, options: PostgresConfigTransportOptions) {
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
    let db: Database<TransportTables> | undefined;
    try {
      db = await openDatabase<TransportTables>({
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
    const deliver = async (row: LogRow): Promise<Delivered> => {
      try {
        await handler(decodeApply(row.payload));
      } catch (error) {
        this.#report(error, `config ${config}: apply handler`);
      }
      return 'next';
    };
    let latest: LogRow | undefined;
    try {
      // LISTEN first: a message committed after the read below wakes the feed.
      await this.#listener.start();
      const row = await this.#db.kysely
        .selectFrom('config_transport_messages')
        .select(['seq', 'payload'])
        .where('kind', '=', 'apply')
        .where('config', '=', config)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      latest = row === undefined ? undefined : { seq: Number(row.seq), payload: row.payload };
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
      afterSeq ??= await this.#lastSeq();
    } catch (error) {
      throw transportFailed('postgres', 'reading acks', error);
    }
    return this.#follow(
      'ack',
      undefined,
      afterSeq,
      this.#registryDelivery('ack', decodeAck, handler),
    );
  }

  async onPresence(
    handler: (presence: Presence, delivery: Delivery) => void | Promise<void>,
    options: RegistryFeedOptions = {},
  ): Promise<Unsubscribe> {
    this.#checkOpen();
    const deliver = this.#registryDelivery('presence', decodePresence, handler);
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
    deliver: (row: LogRow) => Promise<Delivered>,
  ): Promise<Unsubscribe> {
    const feed = new LogFeed({
      read: (after, limit) => this.#read(kind, config, after, limit),
      deliver,
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

  /**
   * A registry handler's row: a malformed one is reported and skipped; a handler that throws
   * gets the same row again after retryDelayMs.
   */
  #registryDelivery<T>(
    kind: WireKind,
    decode: (value: unknown) => T,
    handler: (value: T, delivery: Delivery) => void | Promise<void>,
  ): (row: LogRow) => Promise<Delivered> {
    return async (row) => {
      let value: T;
      try {
        value = decode(row.payload);
      } catch (error) {
        this.#report(error, `registry ${kind} feed (seq ${row.seq})`);
        return 'next';
      }
      try {
        await handler(value, { seq: row.seq });
        return 'next';
      } catch (error) {
        this.#report(error, `registry ${kind} handler (seq ${row.seq}; delivered again)`);
        return 'again';
      }
    };
  }

  async #read(
    kind: WireKind,
    config: string | undefined,
    afterSeq: number,
    limit: number,
  ): Promise<LogRow[]> {
    let query = this.#db.kysely
      .selectFrom('config_transport_messages')
      .select(['seq', 'payload'])
      .where('kind', '=', kind)
      .where('seq', '>', String(afterSeq));
    if (config !== undefined) query = query.where('config', '=', config);
    const rows = await query.orderBy('seq').limit(limit).execute();
    return rows.map((row) => ({ seq: Number(row.seq), payload: row.payload }));
  }

  async #lastSeq(): Promise<number> {
    const row = await this.#db.kysely
      .selectFrom('config_transport_messages')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Delivers the latest presence of every (config, instance); returns the last seq delivered. */
  async #latestPresence(deliver: (row: LogRow) => Promise<Delivered>): Promise<number> {
    const { rows } = await sql<{ seq: string; payload: unknown }>`
      SELECT seq, payload FROM (
        SELECT DISTINCT ON (config, instance) seq, payload
        FROM config_transport_messages
        WHERE kind = 'presence'
        ORDER BY config, instance, seq DESC
      ) latest
      ORDER BY seq`.execute(this.#db.kysely);
    let last = 0;
    for (const row of rows) {
      const seq = Number(row.seq);
      // A handler that throws here is retried by the feed, which starts before this row.
      if ((await deliver({ seq, payload: row.payload })) === 'again') return last;
      last = seq;
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
      await this.#db.kysely.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${PUBLISH_LOCK}::bigint)`.execute(trx);
        const { seq } = await trx
          .insertInto('config_transport_messages')
          .values({ kind, config, instance, payload: sql`${payload}::json` })
          .returning('seq')
          .executeTakeFirstOrThrow();
        const note = JSON.stringify({ seq: Number(seq), config });
        await sql`SELECT pg_notify(${CHANNELS[kind]}, ${note})`.execute(trx);
      });
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
