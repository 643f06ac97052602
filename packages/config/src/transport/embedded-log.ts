import { type Database, migrateToLatest } from '@bulwark/db';
import { type Generated, sql } from 'kysely';
import { type Delivered, LogFeed } from './postgres-feed.js';
import { configTransportMigrations } from './postgres-transport.js';
import type { TransportErrorReporter } from './transport.js';
import { transportFailed } from './transport-errors.js';
import type { WireKind } from './wire.js';

/** A message of the log: its seq and its JSON text exactly as it was stored. */
export interface StoredMessage {
  readonly seq: number;
  readonly payload: string;
}

/** The same table as the PostgreSQL transport's (its migration set `config_transport`). */
interface LogTables {
  config_transport_messages: {
    seq: Generated<string>;
    kind: WireKind;
    config: string;
    instance: string | null;
    payload: unknown;
    created_at: Generated<Date>;
  };
}

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
 * Same lock as the PostgreSQL transport's publishers: on a PostgreSQL database rows then get
 * their seq in commit order (PGlite is one connection, so there it is so anyway).
 */
const PUBLISH_LOCK = 0x62_77_63_66; // "bwcf"

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
  readonly #db: Database<LogTables>;
  readonly #watchers = new Set<{ kind: WireKind; config?: string; wake: () => void }>();

  private constructor(db: Database<LogTables>) {
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
    return new EmbeddedMessageLog(db as Database<LogTables>);
  }

  /** Appends a message (JSON text, already checked) and wakes the readers it concerns. */
  async append(
    kind: WireKind,
    config: string,
    instance: string | null,
    payload: string,
  ): Promise<number> {
    const seq = await this.#db.kysely.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${PUBLISH_LOCK}::bigint)`.execute(trx);
      const row = await trx
        .insertInto('config_transport_messages')
        .values({ kind, config, instance, payload: sql`${payload}::json` })
        .returning('seq')
        .executeTakeFirstOrThrow();
      return Number(row.seq);
    });
    for (const watcher of this.#watchers) {
      if (watcher.kind !== kind) continue;
      if (watcher.config !== undefined && watcher.config !== config) continue;
      watcher.wake();
    }
    return seq;
  }

  /** Messages of `kind` (of `config`, or of all) after `afterSeq`, in seq order, at most `limit`. */
  async read(
    kind: WireKind,
    config: string | undefined,
    afterSeq: number,
    limit: number,
  ): Promise<StoredMessage[]> {
    let query = this.#db.kysely
      .selectFrom('config_transport_messages')
      .select(['seq', sql<string>`payload::text`.as('payload')])
      .where('kind', '=', kind)
      .where('seq', '>', String(afterSeq));
    if (config !== undefined) query = query.where('config', '=', config);
    const rows = await query.orderBy('seq').limit(limit).execute();
    return rows.map((row) => ({ seq: Number(row.seq), payload: row.payload }));
  }

  /** The latest apply message of a config, if it has one. */
  async latestApply(config: string): Promise<StoredMessage | undefined> {
    const row = await this.#db.kysely
      .selectFrom('config_transport_messages')
      .select(['seq', sql<string>`payload::text`.as('payload')])
      .where('kind', '=', 'apply')
      .where('config', '=', config)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : { seq: Number(row.seq), payload: row.payload };
  }

  /** The latest presence of every (config, instance), in seq order. */
  async latestPresences(): Promise<StoredMessage[]> {
    const { rows } = await sql<{ seq: string; payload: string }>`
      SELECT seq, payload FROM (
        SELECT DISTINCT ON (config, instance) seq, payload::text AS payload
        FROM config_transport_messages
        WHERE kind = 'presence'
        ORDER BY config, instance, seq DESC
      ) latest
      ORDER BY seq`.execute(this.#db.kysely);
    return rows.map((row) => ({ seq: Number(row.seq), payload: row.payload }));
  }

  /** The highest seq in the log (0 when it is empty). */
  async lastSeq(): Promise<number> {
    const row = await this.#db.kysely
      .selectFrom('config_transport_messages')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
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
