import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GateStateError } from '../src/errors.js';
import {
  gateStatePath,
  loadGateState,
  pruneNonces,
  saveGateState,
  sweepStaleTempFiles,
} from '../src/state/gate-state.js';
import { stateNumber } from './state-save-loop.js';

const LOOP = fileURLToPath(new URL('./state-save-loop.ts', import.meta.url));
const ROUNDS = 4;
const READS_PER_ROUND = 50;

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'bulwark-gate-state-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

it('leaves a whole old or new state whenever a saving process is killed -9', async () => {
  let next = 1;
  for (let round = 0; round < ROUNDS; round++) {
    const child = spawnTs(LOOP, {
      STATE_SAVE_LOOP_DIR: stateDir,
      STATE_SAVE_LOOP_START: String(next),
    });
    try {
      await child.waitForLine((line) => line === `saved ${next + 2}`);
      // While it saves, a reader must only ever see whole states ...
      for (let read = 0; read < READS_PER_ROUND; read++) {
        const seen = await loadGateState(stateDir);
        expect(seen).toEqual(stateNumber(seen!.counter));
      }
      // ... and a kill at a varying point of a later save must leave one too.
      await new Promise((resolve) => setTimeout(resolve, round * 7));
      child.kill('SIGKILL');
      expect(await child.exited).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
    }
    const lastSaved = Math.max(
      ...child.lines.filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice(6))),
    );
    const state = await loadGateState(stateDir);
    expect(state).toBeDefined();
    // The last acknowledged save, or the one in flight when the kill landed: never older.
    expect(state!.counter).toBeGreaterThanOrEqual(lastSaved);
    expect(state!.counter).toBeLessThanOrEqual(lastSaved + 1);
    expect(state).toEqual(stateNumber(state!.counter));
    next = state!.counter + 1;
  }
  // A kill mid-save may leave a temp file; the writer sweeps it before its next save.
  await sweepStaleTempFiles(stateDir);
  expect((await readdir(stateDir)).sort()).toEqual(['state.json']);
});

it('names the file when the state is corrupt instead of starting afresh', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-gate-state-'));
  try {
    expect(await loadGateState(dir)).toBeUndefined();
    await saveGateState(dir, stateNumber(3));
    expect(await loadGateState(dir)).toEqual(stateNumber(3));
    await writeFile(gateStatePath(dir), '{"format":"bulwark.gate-state/v1","gate":"gate-a"}');
    const error = await loadGateState(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GateStateError);
    expect((error as Error).message).toContain(gateStatePath(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('prunes nonces only once their transition is past expiry plus the clock skew', () => {
  const now = new Date('2030-01-01T00:00:00.000Z');
  const nonces = [
    { nonce: 'a', expiresAt: '2029-12-31T23:59:00.000Z' },
    { nonce: 'b', expiresAt: '2029-12-31T23:59:45.000Z' },
    { nonce: 'c', expiresAt: '2030-01-01T00:10:00.000Z' },
  ];
  expect(pruneNonces(nonces, now, 30_000).map((n) => n.nonce)).toEqual(['b', 'c']);
});
