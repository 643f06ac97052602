import {
  type Database,
  DatabaseError,
  describeSchema,
  MigrationSet,
  migrateToLatest,
  migrationStatus,
  rollback,
  wrapDatabase,
} from '@bulwark/db';
import { describe, expect, it } from 'vitest';
import { Ledger, openDriver, type SqlDriver } from '../src/index.js';
import type { PgliteDriver } from '../src/store/pglite.js';
import type { PostgresDriver } from '../src/store/postgres.js';
import { createTestDatabase, postgres } from './helpers/postgres.js';

const set = MigrationSet.fromDirectory('ledger', new URL('../src/migrations/', import.meta.url));

const STORES = [
  { label: 'PGlite', available: true },
  { label: 'PostgreSQL', available: postgres.available },
] as const;

async function withLedgerDatabase(
  label: 'PGlite' | 'PostgreSQL',
  fn: (driver: SqlDriver, db: Database) => Promise<void>,
): Promise<void> {
  const database = label === 'PostgreSQL' ? await createTestDatabase('ledger_mig') : undefined;
  const driver = await openDriver(database?.url ?? 'memory://');
  const db =
    label === 'PostgreSQL'
      ? wrapDatabase({ pool: (driver as PostgresDriver).pool }, { name: 'ledger' })
      : wrapDatabase({ pglite: (driver as PgliteDriver).db }, { name: 'ledger' });
  try {
    await fn(driver, db);
  } finally {
    await db.close();
    await driver.close();
    await database?.drop();
  }
}

describe.each(STORES)('on $label', ({ label, available }) => {
  it.skipIf(!available)(
    'each ledger migration applies, rolls back and applies again to the same schema',
    async () => {
      await withLedgerDatabase(label, async (_driver, db) => {
        await migrateToLatest(db, MigrationSet.of('ledger', []));
        for (let i = 0; i < set.migrations.length; i++) {
          const upTo = MigrationSet.of('ledger', set.migrations.slice(0, i + 1));
          const before = await describeSchema(db);
          await migrateToLatest(db, upTo);
          const after = await describeSchema(db);
          expect(after).not.toEqual(before);
          expect((await rollback(db, upTo)).steps).toHaveLength(1);
          expect(await describeSchema(db)).toEqual(before);
          await migrateToLatest(db, upTo);
          expect(await describeSchema(db)).toEqual(after);
        }
        const schema = await describeSchema(db);
        expect(schema.triggers.map((t) => t.name)).toContain('ledger_head_follows_chain');
        expect(schema.tables.map((t) => t.name)).toEqual(
          expect.arrayContaining(['ledger_entries', 'ledger_head', 'ledger_checkpoints']),
        );
      });
    },
  );

  it.skipIf(!available)(
    'rolling back the first migration of a ledger with entries is refused, and nothing is undone',
    async () => {
      await withLedgerDatabase(label, async (driver, db) => {
        const ledger = await Ledger.open(driver, { origin: 'bulwark.test/rollback' });
        await ledger.appendBatch(
          Array.from({ length: 3 }, (_, i) => ({ stream: 's', kind: 'k', actor: 'a', payload: i })),
        );
        const schema = await describeSchema(db);

        const error = await rollback(db, set, { steps: 2 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DatabaseError);
        expect(error).toMatchObject({ code: 'DB_MIGRATION_FAILED' });
        expect((error as DatabaseError).migration).toMatch(
          /0001_entries_head_checkpoints\.down\.sql$/,
        );
        expect((error as Error).message).toMatch(/refusing to roll back .* 3 entries/);
        // One transaction: 0002's down, which ran first, is undone too.
        expect((await migrationStatus(db, set)).map((r) => r.applied)).toEqual([true, true]);
        expect(await describeSchema(db)).toEqual(schema);
        expect(await ledger.verify()).toMatchObject({ valid: true, head: 3 });

        // Rolling back only the chain triggers touches no entry; migrating again restores them.
        expect((await rollback(db, set)).steps.map((s) => s.name)).toEqual([
          '0002_head_follows_chain',
        ]);
        expect(await ledger.verify()).toMatchObject({ valid: true, head: 3 });
        expect((await migrateToLatest(db, set)).steps.map((s) => s.name)).toEqual([
          '0002_head_follows_chain',
        ]);
        expect(await describeSchema(db)).toEqual(schema);
        await ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: 'after' });
        expect(await ledger.verify()).toMatchObject({ valid: true, head: 4 });
      });
    },
  );
});
