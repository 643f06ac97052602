import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { killAndRestartDuringBatchedWrites, procs } from './fixtures/batched-writers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'memu-kill-'));
afterAll(() => {
  for (const proc of procs) proc.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('memu-core on PGlite under kill -9 and restart', () => {
  it('keeps every acknowledged memory of concurrent batched writes', async () => {
    await killAndRestartDuringBatchedWrites(dataDir);
  });
});
