import { migrateToLatest, openDatabase, rollback } from '@bulwark/db';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { coreApiMigrations } from '../src/database.js';

it('refuses to roll back 0001_items while an item exists, and keeps the item', async () => {
  const db = await openDatabase({ url: 'memory://', name: 'core_api' });
  try {
    await migrateToLatest(db, coreApiMigrations());
    await sql`insert into items (id, name, quantity) values (gen_random_uuid(), 'kept', 1)`.execute(
      db.kysely,
    );
    const error = await rollback(db, coreApiMigrations()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DB_MIGRATION_FAILED' });
    expect((error as Error).message).toMatch(
      /refusing to roll back 0001_items: the table holds 1 items/,
    );
    const left = await sql<{ n: number }>`select count(*)::int as n from items`.execute(db.kysely);
    expect(left.rows[0]?.n).toBe(1);

    await sql`delete from items`.execute(db.kysely);
    await rollback(db, coreApiMigrations());
    const tables = await sql`select 1 from pg_tables where tablename = 'items'`.execute(db.kysely);
    expect(tables.rows).toHaveLength(0);
  } finally {
    await db.close();
  }
});
