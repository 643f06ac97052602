import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirectoryInUseError, openDriver } from '../src/index.js';

describe('an embedded (PGlite) data directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'bw-pglite-lock-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a second opener while the first holds it, and opens again once closed', async () => {
    const dir = join(root, 'one');
    const first = await openDriver(dir);
    await expect(openDriver(dir)).rejects.toBeInstanceOf(DataDirectoryInUseError);
    await expect(openDriver(dir)).rejects.toThrow(/is open in process \d+ \(this one\)/);
    await first.close();
    const again = await openDriver(dir);
    expect(await again.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await again.close();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dir = join(root, 'two');
    await (await openDriver(dir)).close();
    // A pid far above pid_max stands for an owner killed with -9.
    writeFileSync(join(dir, 'bulwark.lock'), '999999999\n');
    const driver = await openDriver(dir);
    expect(await driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await driver.close();
  });
});
