import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgvectorMissing } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeSchema,
  MigrationSet,
  migrateToLatest,
  openDatabase,
  rollback,
} from '../src/index.js';
import { freshDatabaseUrl, STORES, stopPrivatePostgres } from './helpers/stores.js';

/**
 * Every service's schema, wherever it lives (packages/<name>/src/migrations,
 * services/<name>/src/migrations): each migration applies, rolls back to the schema before it,
 * and applies again to the same schema, on PGlite and on PostgreSQL. A set that needs pgvector
 * skips on a PostgreSQL without it, saying so (the one part this machine's PostgreSQL lacks).
 */
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const sets = ['packages', 'services'].flatMap((group) =>
  readdirSync(join(repo, group))
    .map((name) => join(repo, group, name, 'src', 'migrations'))
    .filter((dir) => existsSync(dir))
    .map((dir) => {
      const name = basename(join(dir, '..', '..')).replace(/-/g, '_');
      return { name, dir, set: MigrationSet.fromDirectory(name, dir) };
    }),
);

afterAll(stopPrivatePostgres);

it('finds the ledger set and every other service set', () => {
  expect(sets.map((s) => s.name)).toContain('ledger');
  for (const { set } of sets) expect(set.migrations.length).toBeGreaterThan(0);
});

describe.each(sets)('set $name', ({ set }) => {
  const needsVector = set.migrations.some((m) => /create extension[^;]*\bvector\b/i.test(m.up));
  it.for(STORES)(
    'on $kind: each migration up, down, up gives the same schema',
    async ({ kind, available }, ctx) => {
      if (!available) ctx.skip();
      const url = await freshDatabaseUrl(kind);
      if (kind === 'postgres' && needsVector) {
        const missing = await pgvectorMissing(url);
        if (missing) ctx.skip(missing);
      }
      const db = await openDatabase({
        url,
        name: set.name,
        // Created before the first "before": a set's down leaves a database-wide extension in place
        // (other schemas may use it), so it is part of the baseline, like the bookkeeping tables.
        ...(needsVector ? { extensions: ['vector'] as const } : {}),
      });
      try {
        await migrateToLatest(db, MigrationSet.of(set.name, []));
        for (let i = 0; i < set.migrations.length; i++) {
          const upTo = MigrationSet.of(set.name, set.migrations.slice(0, i + 1));
          const before = await describeSchema(db);
          await migrateToLatest(db, upTo);
          const after = await describeSchema(db);
          expect(after, `${set.migrations[i]?.name} changes nothing`).not.toEqual(before);
          await rollback(db, upTo);
          expect(await describeSchema(db), `${set.migrations[i]?.name} down`).toEqual(before);
          await migrateToLatest(db, upTo);
          expect(await describeSchema(db), `${set.migrations[i]?.name} up again`).toEqual(after);
        }
      } finally {
        await db.close();
      }
    },
  );
});
