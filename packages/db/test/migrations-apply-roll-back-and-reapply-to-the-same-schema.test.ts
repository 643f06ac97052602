import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Database,
  DatabaseError,
  describeSchema,
  MigrationSet,
  migrateToLatest,
  migrationStatus,
  openDatabase,
  rollback,
} from '../src/index.js';
import { freshDatabaseUrl, STORES, stopPrivatePostgres } from './helpers/stores.js';

const SHOP = fileURLToPath(new URL('./fixtures/shop/', import.meta.url));
const shop = MigrationSet.fromDirectory('shop', SHOP);

afterAll(stopPrivatePostgres);

async function withDatabase<T>(kind: 'pglite' | 'postgres', fn: (db: Database) => Promise<T>) {
  const db = await openDatabase({ url: await freshDatabaseUrl(kind), name: `shop-${kind}` });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const applied = async (db: Database, set = shop) =>
  (await migrationStatus(db, set)).filter((r) => r.applied).map((r) => r.name);

describe.each(STORES)('on $kind', ({ kind, available }) => {
  it.skipIf(!available)(
    'applies every migration, rolls it back and applies it again to the same schema',
    async () => {
      await withDatabase(kind, async (db) => {
        expect(shop.migrations).toHaveLength(3);
        // Make the bookkeeping tables first, so "before" and "rolled back" both include them.
        expect((await migrateToLatest(db, MigrationSet.of('shop', []))).steps).toEqual([]);
        for (let i = 0; i < shop.migrations.length; i++) {
          // The set as it stood when migration i was the newest.
          const upTo = MigrationSet.of('shop', shop.migrations.slice(0, i + 1));
          const before = await describeSchema(db);
          const up = await migrateToLatest(db, upTo);
          expect(up.steps.map((s) => s.name)).toEqual([shop.migrations[i]?.name]);
          const after = await describeSchema(db);
          expect(after).not.toEqual(before);

          const down = await rollback(db, upTo);
          expect(down.steps.map((s) => [s.name, s.direction])).toEqual([
            [shop.migrations[i]?.name, 'down'],
          ]);
          expect(await describeSchema(db)).toEqual(before);

          await migrateToLatest(db, upTo);
          expect(await describeSchema(db)).toEqual(after);
        }
        const described = await describeSchema(db);
        expect(described.tables.map((t) => t.name)).toEqual(
          expect.arrayContaining(['items', 'item_tags', 'live_items', 'shop_migrations']),
        );
        expect(described.triggers.map((t) => t.name)).toEqual(['items_touch']);
        expect(described.types).toEqual([
          { name: 'item_state', definition: "enum('draft', 'live', 'retired')" },
        ]);
        expect(described.constraints.map((c) => c.name)).toContain('items_name_unique');
      });
    },
  );

  it.skipIf(!available)(
    'reports status, rolls back one by default and N with steps, newest first',
    async () => {
      await withDatabase(kind, async (db) => {
        expect(await migrationStatus(db, shop)).toEqual(
          shop.migrations.map((m) => ({
            name: m.name,
            applied: false,
            appliedAt: null,
            inSet: true,
          })),
        );
        const up = await migrateToLatest(db, shop);
        expect(up.steps.map((s) => s.name)).toEqual(shop.migrations.map((m) => m.name));
        expect((await migrateToLatest(db, shop)).steps).toEqual([]);
        const status = await migrationStatus(db, shop);
        expect(status.every((r) => r.applied && r.appliedAt instanceof Date)).toBe(true);

        expect((await rollback(db, shop)).steps.map((s) => s.name)).toEqual([
          '0003_item_names_unique',
        ]);
        expect(await applied(db)).toEqual(['0001_create_items', '0002_tags_and_audit']);
        await expect(rollback(db, shop, { steps: 3 })).rejects.toMatchObject({
          code: 'DB_BAD_ARGUMENT',
        });
        await expect(rollback(db, shop, { steps: 0 })).rejects.toMatchObject({
          code: 'DB_BAD_ARGUMENT',
        });
        const down = await rollback(db, shop, { steps: 2 });
        expect(down.steps.map((s) => s.name)).toEqual(['0002_tags_and_audit', '0001_create_items']);
        expect(await applied(db)).toEqual([]);
        expect((await describeSchema(db)).tables.map((t) => t.name)).toEqual([
          'shop_migrations',
          'shop_migrations_lock',
        ]);
        expect((await rollback(db, shop)).steps).toEqual([]);
      });
    },
  );

  it.skipIf(!available)('a dry run returns the SQL it would run and executes nothing', async () => {
    await withDatabase(kind, async (db) => {
      const empty = await describeSchema(db);
      const plan = await migrateToLatest(db, shop, { dryRun: true });
      expect(plan.dryRun).toBe(true);
      expect(plan.steps.map((s) => s.sql)).toEqual(shop.migrations.map((m) => m.up));
      expect(plan.steps[0]?.file).toBe(shop.migrations[0]?.upFile);
      // Not even the bookkeeping tables.
      expect(await describeSchema(db)).toEqual(empty);

      await migrateToLatest(db, shop);
      const full = await describeSchema(db);
      const undo = await rollback(db, shop, { steps: 2, dryRun: true });
      expect(undo.steps.map((s) => [s.name, s.sql])).toEqual([
        ['0003_item_names_unique', shop.migrations[2]?.down],
        ['0002_tags_and_audit', shop.migrations[1]?.down],
      ]);
      expect(await describeSchema(db)).toEqual(full);
      expect(await applied(db)).toHaveLength(3);
    });
  });

  it.skipIf(!available)(
    'refuses a database that records migrations the set does not have',
    async () => {
      await withDatabase(kind, async (db) => {
        await migrateToLatest(db, shop);
        const older = MigrationSet.of('shop', shop.migrations.slice(0, 2));
        const status = await migrationStatus(db, older);
        expect(status.at(-1)).toMatchObject({
          name: '0003_item_names_unique',
          applied: true,
          inSet: false,
        });
        for (const attempt of [
          () => migrateToLatest(db, older),
          () => migrateToLatest(db, older, { dryRun: true }),
          () => rollback(db, older),
        ]) {
          const error = await attempt().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(DatabaseError);
          expect(error).toMatchObject({ code: 'DB_MIGRATIONS_DIVERGED' });
          expect((error as Error).message).toContain('0003_item_names_unique');
        }
        // Sets are independent: another name has its own bookkeeping.
        const other = MigrationSet.of('other', []);
        expect(await migrationStatus(db, other)).toEqual([]);
      });
    },
  );
});
