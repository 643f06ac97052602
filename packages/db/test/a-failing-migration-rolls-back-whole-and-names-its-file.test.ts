import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatabaseError,
  describeSchema,
  MigrationSet,
  migrateToLatest,
  migrationStatus,
  openDatabase,
} from '../src/index.js';
import { freshDatabaseUrl, STORES, stopPrivatePostgres } from './helpers/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-failing-'));
const files: Record<string, string> = {
  '0001_ok.up.sql': 'CREATE TABLE first_table (id int PRIMARY KEY);',
  '0001_ok.down.sql': 'DROP TABLE first_table;',
  // The first statement succeeds, the second fails: transactional DDL must undo both, and 0001.
  '0002_broken.up.sql':
    'CREATE TABLE second_table (id int);\nALTER TABLE no_such_table ADD COLUMN x int;',
  '0002_broken.down.sql': 'DROP TABLE second_table;',
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
const set = MigrationSet.fromDirectory('failing', dir);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await stopPrivatePostgres();
});

describe.each(STORES)('on $kind', ({ kind, available }) => {
  it.skipIf(!available)(
    'a failing migration leaves the schema as it was and names its file',
    async () => {
      const db = await openDatabase({ url: await freshDatabaseUrl(kind), name: 'failing' });
      try {
        const error = await migrateToLatest(db, set).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DatabaseError);
        expect(error).toMatchObject({
          code: 'DB_MIGRATION_FAILED',
          migration: join(dir, '0002_broken.up.sql'),
        });
        expect((error as Error).message).toMatch(/0002_broken\.up\.sql failed: .*no_such_table/);

        const tables = (await describeSchema(db)).tables.map((t) => t.name);
        expect(tables).not.toContain('first_table');
        expect(tables).not.toContain('second_table');
        expect((await migrationStatus(db, set)).map((r) => r.applied)).toEqual([false, false]);

        // Fixed, the same database migrates.
        const fixed = MigrationSet.of('failing', [
          set.migrations[0] as never,
          { ...(set.migrations[1] as object), up: 'CREATE TABLE second_table (id int);' } as never,
        ]);
        expect((await migrateToLatest(db, fixed)).steps).toHaveLength(2);
        expect((await describeSchema(db)).tables.map((t) => t.name)).toEqual(
          expect.arrayContaining(['first_table', 'second_table']),
        );
      } finally {
        await db.close();
      }
    },
  );
});
