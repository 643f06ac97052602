import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SpawnedCoreApi, spawnCoreApi } from './fixtures/spawned-core-api.js';
import { expectAllAcknowledged, writeUntilKilled } from './fixtures/write-until-killed.js';

const dataDir = mkdtempSync(join(tmpdir(), 'core-api-pglite-'));
const started: SpawnedCoreApi[] = [];

async function start(): Promise<SpawnedCoreApi> {
  const api = await spawnCoreApi({ BULWARK_CORE_API_DATA_DIR: dataDir });
  started.push(api);
  return api;
}

afterAll(async () => {
  for (const api of started) api.proc.kill('SIGKILL');
  await Promise.all(started.map((api) => api.proc.exited));
  rmSync(dataDir, { recursive: true, force: true });
});

// A second process opening a live directory is refused (DB_IN_USE): @bulwark/db's own test,
// pglite-directory-is-held-by-one-process, proves that; this one proves the takeover after a kill.
describe('core-api on a PGlite data directory', () => {
  it('reopens after kill -9, taking over the dead process lock, with every acknowledged item', async () => {
    const first = await start();
    const acked = await writeUntilKilled(first, {
      writers: 4,
      killAfterAcks: 80,
      signal: 'SIGKILL',
    });
    expect(acked.size).toBeGreaterThan(10);
    // kill -9 left its lock file behind, naming a process that is gone.
    const lock = join(dataDir, 'bulwark.lock');
    expect(existsSync(lock)).toBe(true);
    expect(Number.parseInt(readFileSync(lock, 'utf8'), 10)).toBe(first.proc.child.pid);

    const second = await start();
    await expectAllAcknowledged(second, acked);
    expect(Number.parseInt(readFileSync(lock, 'utf8'), 10)).toBe(second.proc.child.pid);
  });
});
