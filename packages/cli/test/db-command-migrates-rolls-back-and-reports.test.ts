import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const SHOP = fileURLToPath(new URL('../../db/test/fixtures/shop/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'bw-db-cli-'));
const stack = join(root, 'bulwark.stack.yaml');
const postgres = privatePostgresPart();
let server: PrivateServer | undefined;

beforeAll(() => {
  cpSync(SHOP, join(root, 'services', 'shop-api', 'src', 'migrations'), { recursive: true });
  writeFileSync(
    stack,
    `services:
  - name: shop-api
    entry: services/shop-api/src/main.ts
    port: 9001
    database: { url: "\${SHOP_DB:-state/shop}", migrations: [services/shop-api/src/migrations] }
  - name: plain
    entry: services/plain/main.ts
    port: 9002
`,
  );
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await server?.remove();
});

const db = (...args: string[]) => runCli(['db', ...args, '--stack', stack]);
const json = async (...args: string[]) => {
  const run = await db(...args, '--format', 'json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

it('reports, dry-runs, migrates and rolls back a stack service database', async () => {
  const dir = join(root, 'state', 'shop');
  const status = await db('status');
  expect(status.code, status.stderr).toBe(0);
  expect(status.stdout).toContain(`shop-api (pglite ${dir}) — no database yet`);
  expect(status.stdout).toMatch(/set shop_api .*\n\s+pending 0001_create_items/);

  const plan = await db('migrate', '--dry-run');
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('-- dry run: nothing was executed');
  expect(plan.stdout).toContain('CREATE TABLE items (');
  expect(plan.stdout).toContain(
    'ALTER TABLE items ADD CONSTRAINT items_name_unique UNIQUE (name);',
  );
  expect(existsSync(dir)).toBe(false);

  const migrated = await db('migrate');
  expect(migrated.code, migrated.stderr).toBe(0);
  expect(migrated.stdout).toContain(
    'shop-api/src/migrations): applied 0001_create_items, 0002_tags_and_audit, 0003_item_names_unique',
  );
  expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
  expect((await db('migrate')).stdout).toContain('up to date');
  const tooMany = await db('rollback', '--steps', '9');
  expect(tooMany.code).toBe(2);
  expect(tooMany.stderr).toMatch(/cannot roll back 9 migrations of shop_api: 3 applied/);

  const report = await json('status', '--service', 'shop-api');
  expect(report.databases[0].sets[0].status.map((r: { applied: boolean }) => r.applied)).toEqual([
    true,
    true,
    true,
  ]);

  const undoPlan = await db('rollback', '--dry-run', '--steps', '2');
  expect(undoPlan.stdout).toMatch(
    /0003_item_names_unique down[\s\S]*DROP CONSTRAINT items_name_unique[\s\S]*0002_tags_and_audit down/,
  );
  expect(
    (await json('status')).databases[0].sets[0].status.every(
      (r: { applied: boolean }) => r.applied,
    ),
  ).toBe(true);

  // Without --steps: one.
  const one = await json('rollback');
  expect(one.databases[0].sets[0].steps.map((s: { name: string }) => s.name)).toEqual([
    '0003_item_names_unique',
  ]);
  const two = await db('rollback', '--steps', '2');
  expect(two.stdout).toContain('rolled back 0002_tags_and_audit, 0001_create_items');
  expect((await db('rollback')).stdout).toContain('nothing to roll back');
});

it('a failing migration exits 1 naming its file; the set stays as it was', async () => {
  const dir = join(root, 'broken');
  mkdirSync(dir);
  writeFileSync(join(dir, '0001_ok.up.sql'), 'CREATE TABLE ok (id int);');
  writeFileSync(join(dir, '0001_ok.down.sql'), 'DROP TABLE ok;');
  writeFileSync(join(dir, '0002_bad.up.sql'), 'CREATE TABLE nope (id no_such_type);');
  writeFileSync(join(dir, '0002_bad.down.sql'), 'DROP TABLE nope;');
  const url = join(root, 'broken-db');
  const run = await runCli([
    'db',
    'migrate',
    '--url',
    url,
    '--migrations',
    dir,
    '--name',
    'broken',
  ]);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(
    /set broken .*FAILED \(DB_MIGRATION_FAILED\): .*0002_bad\.up\.sql failed: .*no_such_type/,
  );
  const status = await runCli([
    'db',
    'status',
    '--url',
    url,
    '--migrations',
    dir,
    '--name',
    'broken',
    '--format',
    'json',
  ]);
  expect(
    JSON.parse(status.stdout).databases[0].sets[0].status.map(
      (r: { applied: boolean }) => r.applied,
    ),
  ).toEqual([false, false]);
});

it('bad input exits 2 with one line', async () => {
  const cases: [string[], RegExp][] = [
    [['status', '--service', 'plain'], /--service plain: it has no database: block/],
    [['status', '--service', 'nope'], /--service nope: no such service .*\(shop-api, plain\)/],
    [['rollback', '--steps', '0'], /--steps 0: give a whole number/],
    [['status', '--url', '/tmp/x'], /--url needs --migrations/],
    [['status', '--migrations', 'x'], /--migrations and --name go with --url/],
    [['status', '--url', '/tmp/x', '--migrations', '/nonexistent/dir'], /cannot read it/],
    [
      ['status', '--url', 'mysql://h/db', '--migrations', SHOP],
      /not a postgres:\/\/ URL, memory:\/\/ or a directory/,
    ],
    [
      ['status', '--url', 'postgres://nobody:pw@127.0.0.1:1/x', '--migrations', SHOP],
      /cannot connect/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await db(...args);
    expect(run.code, `${args.join(' ')}: ${run.stdout}`).toBe(2);
    expect(run.stderr, args.join(' ')).toMatch(message);
    expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  }
  const noStack = await runCli(['db', 'status', '--stack', join(root, 'missing.yaml')]);
  expect(noStack.code).toBe(2);
  expect(noStack.stderr).toMatch(/no stack file/);
});

it.skipIf(!postgres.available)('works on PostgreSQL by --url, and hides the password', async () => {
  server = await startPrivatePostgres();
  const url = server.url.replace('postgres@', 'postgres:secret@');
  const migrated = await runCli([
    'db',
    'migrate',
    '--url',
    url,
    '--migrations',
    SHOP,
    '--format',
    'json',
  ]);
  expect(migrated.code, migrated.stderr).toBe(0);
  const report = JSON.parse(migrated.stdout);
  expect(report.databases[0]).toMatchObject({ kind: 'postgres', exists: true });
  expect(report.databases[0].url).not.toContain('secret');
  expect(report.databases[0].sets[0]).toMatchObject({ name: 'shop' });
  expect(report.databases[0].sets[0].steps).toHaveLength(3);
  const status = await runCli(['db', 'status', '--url', url, '--migrations', SHOP]);
  expect(status.stdout).toMatch(/applied 0003_item_names_unique/);
});
