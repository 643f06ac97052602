import type pg from 'pg';
import { RestoreAbortedError } from './restore-process.js';

/** A database the drill could not reach or whose answer it could not use: a fail with this message. */
export class RestoreDatabaseError extends Error {
  readonly code = 'BW_RESTORE_DATABASE';
}

/**
 * Where a session connects: a connection URL (a Unix socket directory goes in its `host`
 * parameter), and a name for messages with no credentials.
 */
export interface PgTarget {
  readonly url: string;
  readonly label: string;
}

/** postgres://user:secret@host/db → postgres://host/db: evidence is signed and kept, secrets are not. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '');
  }
}

/** The same server and credentials, another database. */
export function urlForDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database a URL names; libpq's default (the user's name) when it names none. */
export function databaseOf(url: string): string {
  const parsed = new URL(url);
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return path || decodeURIComponent(parsed.username) || 'postgres';
}

export function urlTarget(url: string): PgTarget {
  return { url, label: describeUrl(url) };
}

/** A server listening only on a Unix socket in `socketDir` (a scratch cluster). */
export function socketTarget(
  socketDir: string,
  port: number,
  user: string,
  database: string,
): PgTarget {
  const query = new URLSearchParams({ host: socketDir, port: String(port) });
  return {
    url: `postgresql://${encodeURIComponent(user)}@localhost/${encodeURIComponent(database)}?${query}`,
    label: `${database} on the scratch cluster (${socketDir}, port ${port})`,
  };
}

/** The same target with every session's search_path set (through the startup `options`). */
export function withSearchPath(target: PgTarget, schema: string): PgTarget {
  const url = new URL(target.url);
  // The server splits `options` on spaces unless backslash-escaped; the quotes keep the name whole.
  const value = quoteIdent(schema).replaceAll('\\', '\\\\').replaceAll(' ', '\\ ');
  const before = url.searchParams.get('options');
  url.searchParams.set('options', `${before ? `${before} ` : ''}-c search_path=${value}`);
  return { url: url.toString(), label: target.label };
}

/**
 * pg_dump and pg_restore take the URL without its password (command lines are visible to every
 * local user in `ps`) and the password through PGPASSWORD.
 */
export function libpqArgs(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'bulwark-restore-drill' };
  if (password) env.PGPASSWORD = password;
  return { dbname: parsed.toString(), env };
}

/**
 * Text output settings both sides of a comparison use, so equal values print equally whatever
 * each server's defaults (time zone, date style, float digits, search_path for regclass).
 */
const COMPARABLE_OUTPUT = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 1',
  "SET bytea_output = 'hex'",
  "SET lc_monetary = 'C'",
  "SET xmloption = 'content'",
  'SET search_path = pg_catalog',
].join('; ');

const CONNECT_TIMEOUT_MS = 15_000;

/**
 * pg, loaded by the restore drill when it connects rather than with the package: imported
 * eagerly it cost every importer of @bulwark/verify (each CLI command) most of a tenth of a
 * second. The module system caches it after the first drill.
 */
async function pgClient(): Promise<typeof pg.Client> {
  return (await import('pg')).default.Client;
}

/**
 * One connection whose statements stop when the drill does: on abort it asks the server to
 * cancel the running statement (pg_cancel_backend from a second connection), so a checksum of a
 * large table does not run on after Ctrl-C.
 */
export class PgSession {
  readonly #client: pg.Client;
  readonly #target: PgTarget;
  readonly #signal: AbortSignal;
  readonly pid: number;
  #closed = false;
  #running = 0;

  private constructor(client: pg.Client, target: PgTarget, signal: AbortSignal, pid: number) {
    this.#client = client;
    this.#target = target;
    this.#signal = signal;
    this.pid = pid;
  }

  static async open(target: PgTarget, signal: AbortSignal): Promise<PgSession> {
    if (signal.aborted) throw new RestoreAbortedError('not connected: the drill was stopped');
    const client = new (await pgClient())({
      connectionString: target.url,
      application_name: 'bulwark-restore-drill',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // A server that goes away mid-drill errors the next query; the event itself must not crash.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const result = await client.query<{ pid: number }>(
        `${COMPARABLE_OUTPUT}; SELECT pg_backend_pid() AS pid`,
      );
      const rows = (Array.isArray(result) ? result.at(-1) : result) as pg.QueryResult<{
        pid: number;
      }>;
      return new PgSession(client, target, signal, Number(rows.rows[0]?.pid));
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new RestoreDatabaseError(
        `cannot connect to ${target.label}: ${(error as Error).message}`,
      );
    }
  }

  async query<R extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]> {
    if (this.#signal.aborted || this.#closed) {
      throw new RestoreAbortedError('the drill was stopped');
    }
    const onAbort = () => void cancelBackend(this.#target, this.pid);
    this.#signal.addEventListener('abort', onAbort, { once: true });
    this.#running += 1;
    try {
      return (await this.#client.query<R>(text, params)).rows;
    } catch (error) {
      if (this.#signal.aborted || this.#closed) {
        throw new RestoreAbortedError('the drill was stopped');
      }
      throw new RestoreDatabaseError(`${this.#target.label}: ${(error as Error).message}`);
    } finally {
      this.#running -= 1;
      this.#signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Ends the session. A statement still running is cancelled first: closing the socket alone
   * would let a checksum scan run on at the server until it next tried to send.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#running > 0) await cancelBackend(this.#target, this.pid);
    await this.#client.end().catch(() => undefined);
  }
}

/** Opens a session, runs `fn`, always closes it. */
export async function withSession<T>(
  target: PgTarget,
  signal: AbortSignal,
  fn: (session: PgSession) => Promise<T>,
): Promise<T> {
  const session = await PgSession.open(target, signal);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

async function cancelBackend(target: PgTarget, pid: number): Promise<void> {
  const client = new (await pgClient())({
    connectionString: target.url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // Best effort: the statement then ends when its connection closes.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** "name" with embedded quotes doubled: an identifier from the catalogue, safe in SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** 'text' with embedded quotes doubled, for the few statements that take no parameters. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
