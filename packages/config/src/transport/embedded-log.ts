import { type Database, migrateToLatest } from '@bulwark/db';
import {
  insertMessage,
  lastMessageSeq,
  latestApplyMessage,
  latestPresenceMessages,
  type MessageLogTables,
  readMessages,
  type StoredMessage,
} from './message-log.js';
import { type Delivered, LogFeed } from './postgres-feed.js';
import { configTransportMigrations } from './postgres-transport.js';
import type { TransportErrorReporter } from './transport.js';
import { transportFailed } from './transport-errors.js';
import type { WireKind } from './wire.js';

export type { StoredMessage } from './message-log.js';

export interface EmbeddedMessageLogOptions {
  /** Apply the migration set `config_transport` on open. Default true. */
  readonly migrate?: boolean;
}

/** What a reader of the log follows: one kind, of one config or of all. */
export interface FollowOptions {
  readonly kind: WireKind;
  readonly config?: string;
  /** Deliver the messages after this seq. */
  readonly afterSeq: number;
  /** Hands one message over: `next` moves past it, `again` delivers it again after the delay. */
  readonly deliver: (message: StoredMessage) => Promise<Delivered>;
  readonly retryDelayMs: number;
  readonly report: TransportErrorReporter;
  readonly context: string;
}

/** A running follow: stop() resolves once the delivery running now (if any) has returned. */
export interface Following {
  stop(): Promise<void>;
}

/**
 * The config transport's log inside the registry's own database (PGlite by default, any
 * @bulwark/db Database): the table and migrations of the PostgreSQL transport, so seqs,
 * "latest first" and "resume after a seq" mean the same on both.
 *
 * Readers are woken in process, by this object, right after the insert commits, not by
 * LISTEN/NOTIFY. PGlite does have listen(), but a Database hands out Kysely only, not the PGlite
 * handle; and in the embedded setup this object is the only writer (PGlite serves one process,
 * and consumers in other processes reach it through the registry's HTTP routes, which append
 * here), so a wake after each append it made misses nothing and needs no database round trip.
 * That is also its limit: rows another process inserts (a registry replica sharing a PostgreSQL
 * database) wake nobody here; a shared PostgreSQL is PostgresConfigTransport's job.
 *
 * One log per database and process: every append must go through the same object to wake its
 * readers. It owns no connection: the database stays its owner's to close.
 */
export class EmbeddedMessageLog {
  readonly #db: Database<MessageLogTables>;
  readonly #watchers = new Set<{ kind: WireKind; config?: string; wake: () => void }>();

  private constructor(db: Database<MessageLogTables>) {
    this.#db = db;
  }

  /** The log over `db`, its table created or brought up to date (unless `migrate: false`). */
  static async open(
    db: Database,
    options: EmbeddedMessageLogOptions = {},
  ): Promise<EmbeddedMessageLog> {
    if (options.migrate !== false) {
      try {
        await migrateToLatest(db, configTransportMigrations());
      } catch (error) {
        throw transportFailed('embedded', 'migrating the transport log', error);
      }
    }
    return new EmbeddedMessageLog(db as Database<MessageLogTables>);
  }

  /** Appends a message (JSON text, already checked) and wakes the readers it concerns. */
  async append(
    kind: WireKind,
    config: string,
    instance: string | null,
    payload: string,
  ): Promise<number> {
    const seq = await insertMessage(this.#db.kysely, { kind, config, instance, payload });
    for (const watcher of this.#watchers) {
      if (watcher.kind !== kind) continue;
      if (watcher.config !== undefined && watcher.config !== config) continue;
      watcher.wake();
    }
    return seq;
  }

  /** Messages of `kind` (of `config`, or of all) after `afterSeq`, in seq order, at most `limit`. */
  read(
    kind: WireKind,
    config: string | undefined,
    afterSeq: number,
    limit: number,
  ): Promise<StoredMessage[]> {
    return readMessages(this.#db.kysely, kind, config, afterSeq, limit);
  }

  /** The latest apply message of a config, if it has one. */
  latestApply(config: string): Promise<StoredMessage | undefined> {
    return latestApplyMessage(this.#db.kysely, config);
  }

  /** The latest presence of every (config, instance), in seq order. */
  latestPresences(): Promise<StoredMessage[]> {
    return latestPresenceMessages(this.#db.kysely);
  }

  /** The highest seq in the log (0 when it is empty). */
  lastSeq(): Promise<number> {
    return lastMessageSeq(this.#db.kysely);
  }

  /**
   * Delivers the messages after `afterSeq`, and each new one as it is appended, one at a time,
   * until stopped. A failed read is reported and tried again after `retryDelayMs`.
   */
  follow(options: FollowOptions): Following {
    const { kind, config } = options;
    const feed = new LogFeed({
      read: (after, limit) => this.read(kind, config, after, limit),
      deliver: (row) => options.deliver(row as StoredMessage),
      afterSeq: options.afterSeq,
      retryDelayMs: options.retryDelayMs,
      report: options.report,
      context: options.context,
    });
    const watcher = { kind, ...(config === undefined ? {} : { config }), wake: () => feed.wake() };
    this.#watchers.add(watcher);
    // What was appended between the caller's first read and now.
    feed.wake();
    return {
      stop: async () => {
        this.#watchers.delete(watcher);
        await feed.stop();
      },
    };
  }
}
