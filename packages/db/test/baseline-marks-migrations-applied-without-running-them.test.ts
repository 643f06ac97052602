import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  baseline,
  describeSchema,
  MigrationSet,
  migrateToLatest,
  migrationStatus,
  wrapDatabase,
} from '../src/index.js';
import { freshDatabaseUrl, postgresPart, stopPrivatePostgres } from './helpers/stores.js';

const shop = MigrationSet.fromDirectory(
  'shop',
  fileURLToPath(new URL('./fixtures/shop/', import.meta.url)),
);

afterAll(stopPrivatePostgres);

describe('on a PGlite instance the caller owns', () => {
  it('baseline records migrations without running them; the rest then run; closing leaves PGlite open', async () => {
    const pglite = new PGlite();
    try {
      // A schema an earlier mechanism made: 0001's tables, but no bookkeeping.
      await pglite.exec(shop.migrations[0]?.up ?? '');
      const db = wrapDatabase({ pglite }, { name: 'adopted' });
      const made = await describeSchema(db);
      expect(await baseline(db, shop, '0001_create_items')).toEqual(['0001_create_items']);
      expect(await baseline(db, shop, '0001_create_items')).toEqual([]);
      expect((await migrationStatus(db, shop)).map((r) => r.applied)).toEqual([true, false, false]);
      // Nothing ran: only the bookkeeping tables are new.
      expect(
        (await describeSchema(db)).tables.filter((t) => !t.name.startsWith('shop_migrations')),
      ).toEqual(made.tables);
      await expect(baseline(db, shop, '0009_nope')).rejects.toMatchObject({
        code: 'DB_BAD_ARGUMENT',
      });

      const rest = await migrateToLatest(db, shop);
      expect(rest.steps.map((s) => s.name)).toEqual([
        '0002_tags_and_audit',
        '0003_item_names_unique',
      ]);
      await db.close();
      expect((await pglite.query('select count(*)::int as n from items')).rows).toEqual([{ n: 0 }]);
    } finally {
      await pglite.close();
    }
  });
});

it.skipIf(!postgresPart.available)(
  'closing a Database that wraps a pg pool leaves the pool open',
  async () => {
    const pool = new pg.Pool({ connectionString: await freshDatabaseUrl('postgres'), max: 3 });
    try {
      const db = wrapDatabase({ pool }, { name: 'wrapped', displayUrl: 'postgres://x' });
      expect((await sql<{ n: number }>`select 1 as n`.execute(db.kysely)).rows).toEqual([{ n: 1 }]);
      expect(db.poolStats().max).toBe(3);
      await db.close();
      expect((await pool.query('select 2 as n')).rows).toEqual([{ n: 2 }]);
    } finally {
      await pool.end();
    }
  },
);
