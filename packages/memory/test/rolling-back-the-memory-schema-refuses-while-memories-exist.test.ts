import { openDatabase, rollback } from '@bulwark/db';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { MemoryStore, memoryMigrations, migrateMemory } from '../src/index.js';
import { randomVector, rng } from './fixtures/vectors.js';

it('refuses to roll back 0001_memories while a memory exists, and keeps it', async () => {
  const db = await openDatabase({ url: 'memory://', name: 'memory', extensions: ['vector'] });
  try {
    await migrateMemory(db);
    const store = new MemoryStore(db);
    const random = rng(7);
    await store.writeBatch([
      { namespace: 'ns', subject: 's', content: 'kept', embedding: randomVector(random, 384) },
    ]);
    const error = await rollback(db, memoryMigrations()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DB_MIGRATION_FAILED' });
    expect((error as Error).message).toMatch(
      /refusing to roll back 0001_memories: the table holds 1 memories/,
    );
    const left = await sql<{ n: number }>`select count(*)::int as n from memories`.execute(
      db.kysely,
    );
    expect(left.rows[0]?.n).toBe(1);
  } finally {
    await db.close();
  }
});
