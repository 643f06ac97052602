import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnTs } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('ledger service entry point', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-ledger-main-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on PGlite, turns ready, audits its checkpoint signature into the ledger, and survives a restart', async () => {
    const env = {
      BULWARK_LEDGER_DATA_DIR: join(dir, 'ledger'),
      BULWARK_KEYS_DIR: join(dir, 'keys'),
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    };
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = spawnTs(MAIN, { ...env, PORT: String(port) });
    await first.waitForLine((l) => l.includes('ready on http'), 60_000);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const appended = await fetch(`${base}/v1/ledger/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        stream: 'core-api',
        kind: 'item.create',
        actor: 'anonymous',
        payload: { id: 'a' },
      }),
    });
    expect(appended.status).toBe(201);
    const checkpoint = await fetch(`${base}/v1/ledger/checkpoints`, { method: 'POST' });
    expect(checkpoint.status).toBe(201);
    expect(await checkpoint.json()).toMatchObject({ size: 1 });
    // The checkpoint signature's audit record is itself a ledger entry.
    const entries = (await (await fetch(`${base}/v1/ledger/entries?stream=keys`)).json()) as {
      entries: { kind: string; payload: { purpose: string } }[];
    };
    expect(entries.entries).toEqual([
      expect.objectContaining({
        kind: 'signature',
        payload: expect.objectContaining({ purpose: 'ledger-checkpoint' }),
      }),
    ]);
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = spawnTs(MAIN, { ...env, PORT: String(port) });
    await second.waitForLine((l) => l.includes('ready on http'), 60_000);
    const report = (await (await fetch(`${base}/v1/ledger/verify`)).json()) as {
      valid: boolean;
      head: number;
    };
    expect(report).toMatchObject({ valid: true, head: 2 });
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
