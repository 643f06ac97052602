import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpService, type Running, runCheck, startFixture } from './checks-harness.js';

/** The reference stack's ledger service, a real process on a private PostgreSQL. */
const LEDGER_MAIN = fileURLToPath(new URL('../../../services/ledger/src/main.ts', import.meta.url));
const postgres = privatePostgresPart();

describe.skipIf(!postgres.available)('drill.dependency on the ledger service', () => {
  const work = mkdtempSync(join(tmpdir(), 'bw-drill-ledger-'));
  let db: PrivateServer;
  let ledger: Running;
  beforeAll(async () => {
    db = await startPrivatePostgres();
    ledger = await startFixture(LEDGER_MAIN, {
      // The ledger creates its schema in the database it is given.
      DATABASE_URL: db.url,
      BULWARK_LEDGER_DATA_DIR: join(work, 'ledger'),
      BULWARK_LEDGER_WITNESS_DIR: join(work, 'witness'),
      BULWARK_KEYS_DIR: join(work, 'keys'),
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_READINESS_INTERVAL_MS: '100',
      BULWARK_READINESS_TIMEOUT_MS: '500',
    });
    // Entries from before the drill: the chain it verifies afterwards is longer than its own.
    for (let n = 0; n < 3; n++) {
      const appended = await fetch(`${ledger.url}/v1/ledger/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stream: 'app', kind: 'item.create', actor: 'a', payload: { n } }),
      });
      expect(appended.status).toBe(201);
    }
  });
  afterAll(async () => {
    await ledger?.stop();
    await db?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds every acknowledged entry after PostgreSQL comes back, and the chain valid', async () => {
    const outcome = await runCheck(
      'drill.dependency',
      {
        dependency: 'postgres',
        stop: db.commands.stop,
        start: db.commands.start,
        readyFlipWithinMs: 5_000,
        failFastMs: 1_000,
        recoverWithinMs: 20_000,
        sampleIntervalMs: 50,
        acknowledged: { mode: 'ledger', count: 8 },
        // The API itself, not only /ready: a lost database is a 503 problem, never a 500.
        requests: [
          '/ready',
          '/v1/ledger/head',
          {
            method: 'POST',
            path: '/v1/ledger/entries',
            body: { stream: 's', kind: 'k', actor: 'a', payload: {} },
          },
        ],
      },
      { service: httpService(ledger.url, { name: 'ledger', kind: 'ledger' }) },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /^postgres outage: \/ready 503 after [\d.]+ ms \(limit 5000 ms\); \d+ requests answered 503 in at most [\d.]+ ms \(limit 1000 ms\); ready again [\d.]+ ms after start \(limit 20000 ms\); all 8 acknowledged entries present, chain valid$/,
    );
    expect(outcome.measurements).toMatchObject({
      acknowledged: 8,
      acknowledgedPresent: 8,
      acknowledgedLost: 0,
      ledgerValid: true,
      ledgerChecked: 11,
    });
    const rows = JSON.parse(
      String(outcome.artifacts?.find((a) => a.name === 'acknowledged.json')?.content),
    ) as Array<{ id: string; entryHash: string; readBack: string }>;
    expect(rows.map((r) => Number(r.id))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    for (const row of rows) expect(row.readBack).toBe(row.entryHash);
    expect(outcome.targetVersion).toEqual(expect.any(String));

    // And the ledger takes entries again.
    const after = await fetch(`${ledger.url}/v1/ledger/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: 'app', kind: 'item.create', actor: 'a', payload: {} }),
    });
    expect(after.status).toBe(201);
  });
});
