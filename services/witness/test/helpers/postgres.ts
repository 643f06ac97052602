import { randomBytes } from 'node:crypto';
import { openDriver, type SqlQueryable } from '@bulwark/ledger';
import { systemPart } from '@bulwark/testkit';

const ADMIN_URL =
  process.env.BULWARK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const postgres = systemPart({
  name: 'PostgreSQL on 127.0.0.1:5432',
  install: 'apt-get install postgresql (trust auth for user postgres on 127.0.0.1)',
  probe: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'],
});

async function asAdmin(sql: string): Promise<void> {
  const admin = await openDriver(ADMIN_URL, { maxConnections: 1 });
  try {
    await admin.query(sql);
  } finally {
    await admin.close();
  }
}

/** A fresh, randomly named database; `drop()` removes it (terminating leftover sessions). */
export async function createTestDatabase(
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bw_${prefix}_${randomBytes(6).toString('hex')}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** One superuser transaction with the ledger's triggers off, as a hostile DBA would run it. */
export async function asSuperuserWithoutTriggers<T>(
  url: string,
  fn: (tx: SqlQueryable) => Promise<T>,
): Promise<T> {
  const driver = await openDriver(url, { maxConnections: 1 });
  try {
    return await driver.transaction(async (tx) => {
      await tx.query("SET LOCAL session_replication_role = 'replica'");
      return fn(tx);
    });
  } finally {
    await driver.close();
  }
}
