/**
 * The stack as `npm start` wires it: the ledger service (a real process) hands every
 * checkpoint to the witness service over HTTP, the witness trusting the ledger's key by name
 * in a shared dev keystore (created by the ledger after the witness started). When the witness
 * is down the checkpoint is still signed and stored, the caller gets a 503 naming the witness,
 * and the window shows it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@bulwark/kit';
import { HttpWitness, parseCosignerKey } from '@bulwark/ledger';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWitnessService } from '../src/index.js';

const ORIGIN = 'bulwark.test/stack-ledger';
const LEDGER_ENTRY = join(import.meta.dirname, '..', '..', 'ledger', 'src', 'main.ts');

describe('the ledger service checkpointing into the witness service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-stack-witness-'));
  const keysDir = join(dir, 'keys');
  let witness: Service;
  let witnessUrl: string;
  let ledger: SpawnedProcess;
  let ledgerUrl: string;

  beforeAll(async () => {
    witness = await openWitnessService(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        HOST: '127.0.0.1',
        PORT: '0',
        BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
        BULWARK_KEYS_DIR: keysDir,
        BULWARK_WITNESS_DATA_DIR: join(dir, 'witness'),
        BULWARK_WITNESS_LOG_KEY_NAMES: `${ORIGIN}=ledger-checkpoint`,
      },
      { handleProcessSignals: false },
    );
    await witness.listen();
    witnessUrl = `http://127.0.0.1:${witness.port}`;
    const port = await freePort();
    ledgerUrl = `http://127.0.0.1:${port}`;
    ledger = spawnTs(LEDGER_ENTRY, {
      PORT: String(port),
      HOST: '127.0.0.1',
      BULWARK_KEYS_DIR: keysDir,
      BULWARK_LEDGER_DATA_DIR: join(dir, 'ledger'),
      BULWARK_LEDGER_ORIGIN: ORIGIN,
      BULWARK_LEDGER_WITNESS_URLS: witnessUrl,
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '0',
      BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '0',
      BULWARK_LEDGER_TREE_CACHE: 'off',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    await ledger.waitForLine((line) => line.includes('ready on http://'), 60_000);
  });

  afterAll(async () => {
    ledger?.kill('SIGTERM');
    await ledger?.exited;
    await witness?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const answer = await fetch(`${ledgerUrl}/v1/ledger/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stream: 'orders', kind: 'created', actor: 'svc', payload: { i } }),
      });
      expect(answer.status).toBe(201);
    }
  };
  const checkpoint = () => fetch(`${ledgerUrl}/v1/ledger/checkpoints`, { method: 'POST' });

  it('submits each checkpoint; the witness cosigns it and serves it to verifiers', async () => {
    await append(3);
    const answer = await checkpoint();
    expect(answer.status).toBe(201);
    const signed = (await answer.json()) as { size: number };

    const info = (await (await fetch(`${witnessUrl}/v1/witness`)).json()) as {
      verifierKey: string;
      origins: string[];
    };
    expect(info.origins).toEqual([ORIGIN]);
    const client = new HttpWitness({
      url: witnessUrl,
      origin: ORIGIN,
      witnessKeys: [parseCosignerKey(info.verifierKey)],
    });
    expect((await client.list()).map((c) => c.size)).toEqual([signed.size]);

    await append(2);
    expect((await checkpoint()).status).toBe(201);
    const held = await client.list();
    expect(held.map((c) => c.size)).toEqual([signed.size, signed.size + 3]);
    const window = (await (await fetch(`${ledgerUrl}/v1/ledger/window`)).json()) as {
      witnessedSize: number;
      witnesses: { name: string; size: number; error: string | null }[];
    };
    expect(window.witnessedSize).toBe(signed.size + 3);
    expect(window.witnesses).toContainEqual(
      expect.objectContaining({ name: witnessUrl, size: signed.size + 3, error: null }),
    );
  });

  it('still signs and stores a checkpoint while the witness is down, and says which witness missed it', async () => {
    await witness.shutdown();
    await append(1);
    const answer = await checkpoint();
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await answer.json()) as { code: string; detail: string; errorId: string };
    expect(problem.code).toBe('LEDGER_WITNESS_UNAVAILABLE');
    expect(problem.detail).toMatch(
      /^the checkpoint is signed and stored, but a witness did not take it/,
    );
    expect(problem.detail).toContain(witnessUrl);

    const stored = (await (await fetch(`${ledgerUrl}/v1/ledger/checkpoints?limit=1`)).json()) as {
      checkpoints: { size: number }[];
    };
    const window = (await (await fetch(`${ledgerUrl}/v1/ledger/window`)).json()) as {
      headSize: number;
      witnesses: { name: string; error: string | null }[];
    };
    expect(stored.checkpoints[0]?.size).toBe(window.headSize - 1);
    expect(window.witnesses.find((w) => w.name === witnessUrl)?.error).toMatch(
      /ECONNREFUSED|fetch failed/,
    );
  });
});
