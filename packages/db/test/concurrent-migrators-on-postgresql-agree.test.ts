import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import {
  type Database,
  MigrationSet,
  migrateToLatest,
  migrationStatus,
  openDatabase,
} from '../src/index.js';
import { freshDatabaseUrl, postgresPart, stopPrivatePostgres } from './helpers/stores.js';

const shop = MigrationSet.fromDirectory(
  'shop',
  fileURLToPath(new URL('./fixtures/shop/', import.meta.url)),
);

afterAll(stopPrivatePostgres);

it.skipIf(!postgresPart.available)(
  'four processes migrating one PostgreSQL database at once apply each migration exactly once',
  async () => {
    const url = await freshDatabaseUrl('postgres');
    // Separate pools: separate sessions, as separate service processes would have.
    const dbs: Database[] = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        openDatabase({ url, name: `starter-${i}`, pool: { max: 2 } }),
      ),
    );
    try {
      const results = await Promise.all(dbs.map((db) => migrateToLatest(db, shop)));
      const ran = results.flatMap((r) => r.steps.map((s) => s.name)).sort();
      expect(ran).toEqual(shop.migrations.map((m) => m.name));
      for (const db of dbs) {
        expect((await migrationStatus(db, shop)).every((r) => r.applied)).toBe(true);
      }
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  },
);
