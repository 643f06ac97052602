import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pgvectorMissing } from '@bulwark/testkit';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { absoluteDatabaseUrl, databaseUrlFromEnv, displayUrl, openDatabase } from '../src/index.js';
import { freshDatabaseUrl, postgresPart, stopPrivatePostgres } from './helpers/stores.js';

afterAll(stopPrivatePostgres);

it('finds a service database in DATABASE_URL, then BULWARK_<SERVICE>_DATA_DIR, then ./.bulwark/state/<service>', () => {
  const cwd = '/srv/app';
  expect(databaseUrlFromEnv('core-api', { DATABASE_URL: 'postgres://u:p@h/db' }, cwd)).toBe(
    'postgres://u:p@h/db',
  );
  expect(databaseUrlFromEnv('core-api', { DATABASE_URL: 'memory://' }, cwd)).toBe('memory://');
  expect(databaseUrlFromEnv('core-api', { DATABASE_URL: 'data/pg' }, cwd)).toBe('/srv/app/data/pg');
  expect(databaseUrlFromEnv('core-api', { BULWARK_CORE_API_DATA_DIR: '/var/lib/x' }, cwd)).toBe(
    '/var/lib/x',
  );
  expect(databaseUrlFromEnv('memu-core', {}, cwd)).toBe('/srv/app/.bulwark/state/memu-core');
  expect(absoluteDatabaseUrl('file:///tmp/a', cwd)).toBe('/tmp/a');
  expect(absoluteDatabaseUrl('rel', '/base')).toBe(resolve('/base', 'rel'));
  expect(displayUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
  expect(displayUrl('postgres://db/x')).toBe('postgres://db/x');
});

it('refuses a URL of another scheme, and a PostgreSQL nobody listens on, with codes', async () => {
  await expect(openDatabase({ url: 'mysql://h/db', name: 'x' })).rejects.toMatchObject({
    code: 'DB_BAD_URL',
  });
  const error = await openDatabase({
    url: 'postgres://nobody:secret@127.0.0.1:1/none',
    name: 'x',
    pool: { connectionTimeoutMs: 2_000 },
  }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'DB_CONNECT_FAILED' });
  expect((error as Error).message).not.toContain('secret');
});

it('PGlite loads pgvector and a directory keeps its data across opens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-pglite-vector-'));
  try {
    const db = await openDatabase({ url: dir, name: 'vec', extensions: ['vector'] });
    await sql`create table v (e vector(3))`.execute(db.kysely);
    await sql`insert into v values ('[1,2,3]'), ('[3,2,1]')`.execute(db.kysely);
    await db.close();
    const again = await openDatabase({ url: dir, name: 'vec', extensions: ['vector'] });
    const nearest = await sql<{
      e: string;
    }>`select e::text from v order by e <-> '[1,2,2.9]' limit 1`.execute(again.kysely);
    expect(nearest.rows).toEqual([{ e: '[1,2,3]' }]);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it.skipIf(!postgresPart.available)(
  'on PostgreSQL, vector is created where installed and otherwise refused as DB_EXTENSION_UNAVAILABLE',
  async () => {
    const url = await freshDatabaseUrl('postgres');
    // The probe leaves the fresh database without the extension, for openDatabase to create.
    if ((await pgvectorMissing(url)) === '') {
      const db = await openDatabase({ url, name: 'vec', extensions: ['vector'] });
      const rows = await sql`select extname from pg_extension where extname = 'vector'`.execute(
        db.kysely,
      );
      expect(rows.rows).toHaveLength(1);
      await db.close();
    } else {
      const error = await openDatabase({ url, name: 'vec', extensions: ['vector'] }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'DB_EXTENSION_UNAVAILABLE' });
      expect((error as Error).message).toMatch(
        /vec: the vector extension is not available .*install pgvector/,
      );
    }
  },
);
