import {
  describeSchema,
  migrationStatus,
  openDatabase,
  rollback,
  type SchemaDescription,
} from '@bulwark/db';
import { expect, it } from 'vitest';
import { memoryMigrations, migrateMemory } from '../src/index.js';

/** The schema without the migrator's own bookkeeping tables (they stay after a rollback). */
function withoutBookkeeping(d: SchemaDescription): SchemaDescription {
  const ours = (name: string) => name.startsWith('memory_migrations');
  return {
    ...d,
    tables: d.tables.filter((t) => !ours(t.name)),
    indexes: d.indexes.filter((i) => !ours(i.name)),
    constraints: d.constraints.filter((c) => !ours(c.table)),
  };
}

it('applies, rolls back and re-applies the memory schema to the same description', async () => {
  const db = await openDatabase({
    url: 'memory://',
    name: 'memory-migrations',
    extensions: ['vector'],
  });
  try {
    const empty = await describeSchema(db);
    await migrateMemory(db);
    const up = await describeSchema(db);
    expect(JSON.stringify(up)).toContain('memories_embedding_hnsw');
    expect((await migrationStatus(db, memoryMigrations())).every((m) => m.applied)).toBe(true);
    await rollback(db, memoryMigrations(), { steps: 1 });
    const down = await describeSchema(db);
    expect(JSON.stringify(down)).not.toContain('"memories"');
    expect(withoutBookkeeping(down)).toEqual(withoutBookkeeping(empty));
    await migrateMemory(db);
    expect(await describeSchema(db)).toEqual(up);
  } finally {
    await db.close();
  }
});
