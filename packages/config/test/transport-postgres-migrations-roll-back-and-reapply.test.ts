import { describeSchema, MigrationSet, migrateToLatest, openDatabase, rollback } from '@bulwark/db';
import { afterAll, describe, expect, it } from 'vitest';
import { configTransportMigrations } from '../src/index.js';
import { freshPostgresDatabase, sharedPostgres } from './fixtures/transport-servers.js';

/**
 * The transport's migration set `config_transport` (src/transport/migrations): it applies, its
 * down gives back the schema before it, and it applies again to the same schema, on PostgreSQL
 * and on PGlite (where a registry's embedded database may hold it too).
 */
let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
afterAll(() => database?.remove());

const stores = [
  { kind: 'pglite', available: true },
  { kind: 'postgres', available: sharedPostgres.available },
] as const;

describe('the config_transport migration set', () => {
  it('finds one migration, an up with its down', () => {
    const set = configTransportMigrations();
    expect(set.name).toBe('config_transport');
    expect(set.migrations.map((m) => m.name)).toEqual(['0001_config_transport_messages']);
  });

  it.for(stores)(
    'on $kind: up, down, up gives the same schema',
    async ({ kind, available }, ctx) => {
      if (!available) ctx.skip();
      let url = 'memory://';
      if (kind === 'postgres') {
        database = await freshPostgresDatabase();
        url = database.url;
      }
      const db = await openDatabase({ url, name: 'config-transport-test' });
      try {
        const set = configTransportMigrations();
        // The bookkeeping tables belong to the baseline: a rollback keeps them.
        await migrateToLatest(db, MigrationSet.of(set.name, []));
        const before = await describeSchema(db);
        await migrateToLatest(db, set);
        const after = await describeSchema(db);
        expect(JSON.stringify(after)).toContain('config_transport_messages');
        await rollback(db, set);
        expect(await describeSchema(db)).toEqual(before);
        await migrateToLatest(db, set);
        expect(await describeSchema(db)).toEqual(after);
      } finally {
        await db.close();
      }
    },
  );
});
