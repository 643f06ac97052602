import { randomBytes } from 'node:crypto';
import { systemPart } from '@bulwark/testkit';
import pg from 'pg';

export const ADMIN_URL =
  process.env.BULWARK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const postgres = systemPart({
  name: 'PostgreSQL on 127.0.0.1:5432',
  install: 'apt-get install postgresql (trust auth for user postgres on 127.0.0.1)',
  probe: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'],
});

/**
 * A fresh, randomly named database (a copy of `template` when given); `drop()` removes it
 * (terminating leftover sessions).
 */
export async function createTestDatabase(
  prefix = 'ledger',
  template?: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `bw_${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  // A template copy is a cheap fresh ledger to tamper with (the template must have no sessions).
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A superuser session that bypasses the append-only triggers, as a hostile DBA would. */
export async function asSuperuserWithoutTriggers<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = 'replica'");
    return await fn(client);
  } finally {
    await client.end();
  }
}
