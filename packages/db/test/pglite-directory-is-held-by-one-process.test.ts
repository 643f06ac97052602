import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTs } from '@bulwark/testkit';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { DatabaseError, DataDirectoryLock, openDatabase } from '../src/index.js';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-directory.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bw-pglite-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a directory a live process holds is refused with its pid, and free again once it exits', async () => {
  const child = spawnTs(HOLDER, { BW_DIR: dir });
  try {
    const line = await child.waitForLine((l) => l.startsWith('holding '), 30_000);
    const pid = Number(line.split(' ')[1]);
    expect(DataDirectoryLock.holder(dir)).toBe(pid);
    const error = await openDatabase({ url: dir, name: 'second' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: 'DB_IN_USE' });
    expect((error as Error).message).toContain(`open in process ${pid}`);
  } finally {
    child.kill('SIGTERM');
    await child.exited;
  }
  expect(DataDirectoryLock.holder(dir)).toBeUndefined();
  const db = await openDatabase({ url: dir, name: 'after' });
  try {
    await sql`create table kept (n int)`.execute(db.kysely);
    // In this process too: a second opener is refused, naming this process.
    await expect(openDatabase({ url: dir, name: 'twice' })).rejects.toThrow(/\(this one\)/);
  } finally {
    await db.close();
  }
});

it('a lock left by a process that died is taken over', async () => {
  const stale = mkdtempSync(join(tmpdir(), 'bw-pglite-stale-'));
  try {
    // No such process: pids are below 2^22 on Linux.
    writeFileSync(join(stale, 'bulwark.lock'), '4194304999\n');
    expect(DataDirectoryLock.holder(stale)).toBeUndefined();
    const lock = DataDirectoryLock.acquire(stale);
    expect(DataDirectoryLock.holder(stale)).toBe(process.pid);
    lock.release();
    expect(DataDirectoryLock.holder(stale)).toBeUndefined();
  } finally {
    rmSync(stale, { recursive: true, force: true });
  }
});
