import { type Generated, type Kysely, sql, type Transaction } from 'kysely';
import type { Delivered } from './postgres-feed.js';
import type { Delivery, TransportErrorReporter } from './transport.js';
import { parseJson, type WireKind } from './wire.js';

/**
 * The table both log transports keep their messages in (migration set `config_transport`):
 * PostgresConfigTransport on a shared PostgreSQL, EmbeddedMessageLog in the registry's own
 * database. The queries live here once, so seqs, "latest first" and "resume after a seq" mean
 * the same on both.
 */
export interface MessageLogTables {
  config_transport_messages: {
    seq: Generated<string>;
    kind: WireKind;
    config: string;
    instance: string | null;
    payload: unknown;
    created_at: Generated<Date>;
  };
}

/** A message of the log: its seq and its JSON text exactly as it was stored. */
export interface StoredMessage {
  readonly seq: number;
  readonly payload: string;
}

type LogDb = Kysely<MessageLogTables>;

/**
 * Publishers take this transaction-scoped advisory lock before they insert: rows then get their
 * seq in commit order, and "rows after the last seq I saw" never skips a row that committed late.
 */
const PUBLISH_LOCK = 0x62_77_63_66; // "bwcf"

/**
 * Inserts a message (JSON text, already checked) under the publish lock; `alsoCommit` runs in
 * the same transaction with the new seq (the PostgreSQL transport's NOTIFY).
 */
export function insertMessage(
  db: LogDb,
  message: { kind: WireKind; config: string; instance: string | null; payload: string },
  alsoCommit?: (trx: Transaction<MessageLogTables>, seq: number) => Promise<void>,
): Promise<number> {
  const { kind, config, instance, payload } = message;
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${PUBLISH_LOCK}::bigint)`.execute(trx);
    const row = await trx
      .insertInto('config_transport_messages')
      .values({ kind, config, instance, payload: sql`${payload}::json` })
      .returning('seq')
      .executeTakeFirstOrThrow();
    const seq = Number(row.seq);
    await alsoCommit?.(trx, seq);
    return seq;
  });
}

/** Messages of `kind` (of `config`, or of all) after `afterSeq`, in seq order, at most `limit`. */
export async function readMessages(
  db: LogDb,
  kind: WireKind,
  config: string | undefined,
  afterSeq: number,
  limit: number,
): Promise<StoredMessage[]> {
  let query = db
    .selectFrom('config_transport_messages')
    .select(['seq', sql<string>`payload::text`.as('payload')])
    .where('kind', '=', kind)
    .where('seq', '>', String(afterSeq));
  if (config !== undefined) query = query.where('config', '=', config);
  const rows = await query.orderBy('seq').limit(limit).execute();
  return rows.map((row) => ({ seq: Number(row.seq), payload: row.payload }));
}

/** The latest apply message of a config, if it has one. */
export async function latestApplyMessage(
  db: LogDb,
  config: string,
): Promise<StoredMessage | undefined> {
  const row = await db
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
export async function latestPresenceMessages(db: LogDb): Promise<StoredMessage[]> {
  const { rows } = await sql<{ seq: string; payload: string }>`
    SELECT seq, payload FROM (
      SELECT DISTINCT ON (config, instance) seq, payload::text AS payload
      FROM config_transport_messages
      WHERE kind = 'presence'
      ORDER BY config, instance, seq DESC
    ) latest
    ORDER BY seq`.execute(db);
  return rows.map((row) => ({ seq: Number(row.seq), payload: row.payload }));
}

/** The highest seq in the log (0 when it is empty). */
export async function lastMessageSeq(db: LogDb): Promise<number> {
  const row = await db
    .selectFrom('config_transport_messages')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/**
 * A registry handler's message: a malformed one is reported and skipped; a handler that throws
 * gets the same message again (`again`: the feed retries after its delay).
 */
export function registryDelivery<T>(
  kind: WireKind,
  decode: (value: unknown) => T,
  handler: (value: T, delivery: Delivery) => void | Promise<void>,
  report: TransportErrorReporter,
): (message: StoredMessage) => Promise<Delivered> {
  return async (message) => {
    let value: T;
    try {
      value = decode(parseJson(message.payload, kind));
    } catch (error) {
      report(error, `registry ${kind} feed (seq ${message.seq})`);
      return 'next';
    }
    try {
      await handler(value, { seq: message.seq });
      return 'next';
    } catch (error) {
      report(error, `registry ${kind} handler (seq ${message.seq}; delivered again)`);
      return 'again';
    }
  };
}
