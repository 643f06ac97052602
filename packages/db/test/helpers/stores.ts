import { randomBytes } from 'node:crypto';
import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import pg from 'pg';

/**
 * The two stores every migration test runs on: PGlite in memory, and a fresh database on a
 * PRIVATE PostgreSQL (started once per test file; skipped locally without PostgreSQL's binaries,
 * a failure under BULWARK_REQUIRE_SYSTEM=1).
 */
export const postgresPart = privatePostgresPart();

export const STORES = [
  { kind: 'pglite', available: true, reason: '' },
  { kind: 'postgres', available: postgresPart.available, reason: postgresPart.reason },
] as const;

let server: Promise<PrivateServer> | undefined;

export function privatePostgres(): Promise<PrivateServer> {
  server ??= startPrivatePostgres();
  return server;
}

/** A URL of a new, empty database on the given store. */
export async function freshDatabaseUrl(kind: 'pglite' | 'postgres'): Promise<string> {
  if (kind === 'pglite') return 'memory://';
  const { url } = await privatePostgres();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}

export async function stopPrivatePostgres(): Promise<void> {
  const started = server;
  server = undefined;
  await (await started)?.remove();
}
