import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const SHOP = fileURLToPath(new URL('../../db/test/fixtures/shop/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'bw-db-held-'));
// A live process standing in for the running service: its pid is in the directory's lock file
// (as @bulwark/db's DataDirectoryLock writes it) and in up's pid file for the service.
const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
afterAll(() => {
  holder.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

it('exits 2 naming the service and process that hold a PGlite directory, and changes nothing', async () => {
  const pid = holder.pid as number;
  const data = join(root, '.bulwark', 'state', 'shop');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'PG_VERSION'), '17\n');
  writeFileSync(join(data, 'bulwark.lock'), `${pid}\n`);
  mkdirSync(join(root, '.bulwark', 'state', 'pids'), { recursive: true });
  writeFileSync(join(root, '.bulwark', 'state', 'pids', 'shop.pid'), `${pid}\n`);
  const stack = join(root, 'bulwark.stack.yaml');
  writeFileSync(
    stack,
    `services:\n  - name: shop\n    entry: main.ts\n    port: 9100\n    database: { url: .bulwark/state/shop, migrations: [${SHOP}] }\n`,
  );
  for (const sub of ['status', 'migrate', 'rollback']) {
    const run = await runCli(['db', sub, '--stack', stack]);
    expect(run.code, sub).toBe(2);
    expect(run.stderr.trim()).toBe(
      `bulwark: shop: ${data} is held by the running shop service (process ${pid}); ` +
        'PGlite serves one process: stop it first (or run the service on PostgreSQL)',
    );
  }
  // Without up's pid file the holder is still named, by process.
  rmSync(join(root, '.bulwark', 'state', 'pids', 'shop.pid'));
  const run = await runCli(['db', 'status', '--url', data, '--migrations', SHOP]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(`is held by process ${pid};`);
});
