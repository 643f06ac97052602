import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
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
 * Every service's schema, wherever it lives: any `migrations` directory holding NNNN_*.sql files
 * under a package's or a service's src (packages/<name>/src/migrations, or deeper, as
 * packages/config/src/transport/migrations): each migration applies, rolls back to the schema
 * before it, and applies again to the same schema, on PGlite and on PostgreSQL. A set is named
 * after its package and the folders between src and migrations (`config`, `config_transport`).
 * A set that needs pgvector skips on a PostgreSQL without it, saying so (the one part this
 * machine's PostgreSQL lacks).
 */
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const MIGRATION_FILE = /^\d{4}_.+\.sql$/;

/** The `migrations` directories with migration files under `dir`, at any depth. */
function migrationDirectories(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.name === 'migrations' && readdirSync(path).some((f) => MIGRATION_FILE.test(f))) {
      found.push(path);
    }
    found.push(...migrationDirectories(path));
  }
  return found;
}

const sets = ['packages', 'services'].flatMap((group) =>
  readdirSync(join(repo, group))
    .map((name) => ({ name, src: join(repo, group, name, 'src') }))
    .filter(({ src }) => existsSync(src))
    .flatMap(({ name: owner, src }) =>
      migrationDirectories(src).map((dir) => {
        const between = relative(src, join(dir, '..')).split(sep).filter(Boolean);
        const name = [owner, ...between].join('_').replace(/-/g, '_');
        return { name, dir, set: MigrationSet.fromDirectory(name, dir) };
      }),
    ),
);

afterAll(stopPrivatePostgres);

it('finds the ledger set and every other service set, nested ones too', () => {
  expect(sets.map((s) => s.name)).toEqual(
    expect.arrayContaining(['ledger', 'config', 'config_transport']),
  );
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
