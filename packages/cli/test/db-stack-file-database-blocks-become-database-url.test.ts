import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultSetName } from '../src/db/targets.js';
import { UsageError } from '../src/exit-codes.js';
import { resolveStack } from '../src/stack/resolve-stack.js';
import { expandVariables, loadStackFile } from '../src/stack/stack-file.js';

const root = mkdtempSync(join(tmpdir(), 'bw-db-stack-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function stackFile(services: string): string {
  const path = join(root, `stack-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `services:\n${services}`);
  return path;
}

it('up tells each service with a database block where it is: DATABASE_URL, or its data directory made absolute', async () => {
  mkdirSync(join(root, 'svc'), { recursive: true });
  writeFileSync(join(root, 'svc', 'main.ts'), '');
  const path = stackFile(`  - name: a
    entry: svc/main.ts
    port: 9201
    database: { url: .bulwark/state/a, migrations: [svc/migrations, { dir: other, name: extra }] }
  - name: b
    entry: svc/main.ts
    port: 9202
    database: { url: "\${BW_TEST_B_URL:-postgres://app@127.0.0.1:5432/b}" }
  - name: c
    entry: svc/main.ts
    port: 9203
    database: { url: data/c }
    env: { DATABASE_URL: postgres://explicit/c }
  - name: d
    entry: svc/main.ts
    port: 9204
`);
  const stack = await loadStackFile(path);
  const env = (name: string) =>
    resolveStack(stack, root, {}, { databaseUrls: true }).find((s) => s.name === name)?.env;
  // Not for entries run only to write their OpenAPI document (contract snapshots).
  expect(resolveStack(stack, root).find((s) => s.name === 'a')?.env).not.toHaveProperty(
    'BULWARK_A_DATA_DIR',
  );
  // A directory: BULWARK_<SERVICE>_DATA_DIR, and an empty DATABASE_URL so the shell's cannot win.
  expect(env('a')).toMatchObject({
    DATABASE_URL: '',
    BULWARK_A_DATA_DIR: join(root, '.bulwark/state/a'),
  });
  expect(env('b')?.DATABASE_URL).toBe('postgres://app@127.0.0.1:5432/b');
  process.env.BW_TEST_B_URL = 'postgres://from-env/b';
  try {
    expect(env('b')?.DATABASE_URL).toBe('postgres://from-env/b');
  } finally {
    delete process.env.BW_TEST_B_URL;
  }
  // The stack file's own env wins over what up derives.
  expect(env('c')?.DATABASE_URL).toBe('postgres://explicit/c');
  expect(env('d')?.DATABASE_URL).toBeUndefined();
});

it('refuses a database url that names anything but an environment variable', async () => {
  const path = stackFile(`  - name: a
    entry: main.ts
    port: 9301
    database: { url: "\${ledger.url}/x" }
`);
  await expect(loadStackFile(path)).rejects.toThrow(/a's database url refers to \$\{ledger\.url\}/);
  const extra = stackFile(`  - name: a
    entry: main.ts
    port: 9301
    database: { url: x, schema: y }
`);
  await expect(loadStackFile(extra)).rejects.toBeInstanceOf(UsageError);
  expect(() => expandVariables("a's database url", `\${BW_TEST_UNSET_VAR}`, {})).toThrow(
    /needs BW_TEST_UNSET_VAR, which is not set/,
  );
  expect(expandVariables("a's database url", `\${X:-d}/\${Y}`, { Y: 'y' })).toBe('d/y');
});

it("names a migrations directory's set after its package, as the packages name their own", () => {
  expect(defaultSetName('packages/memory/src/migrations')).toBe('memory');
  expect(defaultSetName('services/core-api/src/migrations')).toBe('core_api');
  expect(defaultSetName('/x/packages/ledger/src/migrations/')).toBe('ledger');
  expect(defaultSetName('db/billing-sql')).toBe('billing_sql');
});

it('fills shell variables with defaults in env values, beside service references', async () => {
  mkdirSync(join(root, 'svc'), { recursive: true });
  writeFileSync(join(root, 'svc', 'main.ts'), '');
  const path = stackFile(`  - name: a
    entry: svc/main.ts
    port: 9211
  - name: b
    entry: svc/main.ts
    port: 9212
    env:
      STATE: "\${BW_TEST_STACK_DATA:-.bulwark/state}/b"
      UPSTREAM: "\${a.url}/v1"
`);
  const stack = await loadStackFile(path);
  const env = () => resolveStack(stack, root).find((s) => s.name === 'b')?.env;
  expect(env()).toMatchObject({ STATE: '.bulwark/state/b', UPSTREAM: 'http://127.0.0.1:9211/v1' });
  process.env.BW_TEST_STACK_DATA = '/srv/two';
  try {
    expect(env()?.STATE).toBe('/srv/two/b');
  } finally {
    delete process.env.BW_TEST_STACK_DATA;
  }
  const unset = await loadStackFile(
    stackFile(`  - name: c
    entry: svc/main.ts
    port: 9213
    env: { X: "\${BW_TEST_UNSET_VAR}" }
`),
  );
  expect(() => resolveStack(unset, root)).toThrow(
    /c's X needs BW_TEST_UNSET_VAR, which is not set/,
  );
  await expect(
    loadStackFile(
      stackFile(`  - name: d
    entry: svc/main.ts
    port: 9214
    env: { X: "\${nope.host}" }
`),
    ),
  ).rejects.toThrow(/refers to \$\{nope.host\}/);
});
