import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DatabaseError, MigrationSet } from '../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function directory(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-migrations-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function refusal(dir: string, name = 'svc'): DatabaseError {
  try {
    MigrationSet.fromDirectory(name, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: 'DB_MIGRATIONS_INVALID' });
    return error as DatabaseError;
  }
  throw new Error(`${dir} was accepted`);
}

it('reads NNNN_slug.up.sql / .down.sql pairs in order and ignores files that are not SQL', () => {
  const dir = directory({
    '0002_b.up.sql': 'B',
    '0002_b.down.sql': 'b',
    '0001_a-1.up.sql': 'A',
    '0001_a-1.down.sql': 'a',
    'README.md': 'notes',
  });
  const set = MigrationSet.fromDirectory('svc', dir);
  expect(set.tableName).toBe('svc_migrations');
  expect(set.lockTableName).toBe('svc_migrations_lock');
  expect(set.migrations.map((m) => [m.name, m.version, m.up, m.down])).toEqual([
    ['0001_a-1', 1, 'A', 'a'],
    ['0002_b', 2, 'B', 'b'],
  ]);
  expect(set.migrations[1]?.downFile).toBe(join(dir, '0002_b.down.sql'));
});

it('refuses a migration without its down, naming the file', () => {
  const error = refusal(
    directory({ '0001_a.up.sql': 'A', '0002_b.up.sql': 'B', '0002_b.down.sql': 'b' }),
  );
  expect(error.message).toContain('0001_a.up.sql has no 0001_a.down.sql');
});

it('refuses a down without its up', () => {
  expect(refusal(directory({ '0001_a.down.sql': 'a' })).message).toContain(
    '0001_a.down.sql has no 0001_a.up.sql',
  );
});

it('refuses two migrations with one number', () => {
  const error = refusal(
    directory({
      '0001_a.up.sql': '',
      '0001_a.down.sql': '',
      '0001_b.up.sql': '',
      '0001_b.down.sql': '',
    }),
  );
  expect(error.message).toContain('0001_a and 0001_b share the number 0001');
});

it('refuses SQL files named otherwise', () => {
  for (const bad of [
    '1_a.up.sql',
    '0001-a.up.sql',
    '0001_A.up.sql',
    '0001_a.sql',
    '0001_a.upgrade.sql',
  ]) {
    expect(refusal(directory({ [bad]: '' })).message).toContain(bad);
  }
});

it('refuses a missing directory, a file, and a set name that cannot name a table', () => {
  expect(refusal('/nonexistent/bulwark/migrations').message).toContain('cannot read it');
  const dir = directory({ 'f.txt': '' });
  expect(refusal(join(dir, 'f.txt')).message).toContain('not a directory');
  expect(refusal(directory({}), 'core-api').message).toContain('core-api');
  expect(MigrationSet.fromDirectory('core_api', directory({})).migrations).toEqual([]);
});
