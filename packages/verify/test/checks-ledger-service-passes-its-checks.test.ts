import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpService, type Running, runCheck, startFixture } from './checks-harness.js';

/** The reference stack's ledger service, a real process on embedded PGlite. */
const LEDGER_MAIN = fileURLToPath(new URL('../../../services/ledger/src/main.ts', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bw-ledger-check-'));
let ledger: Running;

beforeAll(async () => {
  ledger = await startFixture(
    LEDGER_MAIN,
    {
      BULWARK_LEDGER_DATA_DIR: join(work, 'ledger'),
      BULWARK_KEYS_DIR: join(work, 'keys'),
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
    },
    undefined,
    // PGlite's first start (creating the database) is slow on a small CI machine.
    60_000,
  );
  const appended = await fetch(`${ledger.url}/v1/ledger/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream: 'test', kind: 'item.create', actor: 'a', payload: { id: 1 } }),
  });
  expect(appended.status).toBe(201);
});
afterAll(async () => {
  await ledger?.stop();
  rmSync(work, { recursive: true, force: true });
});

const service = () => httpService(ledger.url, { name: 'ledger', kind: 'ledger' });

describe('the ledger service', () => {
  it('passes ledger.verify, keeping the verify report as evidence', async () => {
    const outcome = await runCheck('ledger.verify', {}, { service: service() });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(/^ledger valid: \d+ entries checked, head \d+$/);
    expect(outcome.measurements).toMatchObject({ valid: true, mode: 'full' });
    const report = JSON.parse(String(outcome.artifacts?.[0]?.content));
    expect(report.valid).toBe(true);
    expect(outcome.targetVersion).toEqual(expect.any(String));
  });

  it('passes the probe contract, /ready checking its store', async () => {
    const outcome = await runCheck('probe.contract', { samples: 2 }, { service: service() });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(/\/ready checks ledger-store-pglite/);
  });

  it('answers errors in problem+json, a malformed entry reaching its JSON parser', async () => {
    const outcome = await runCheck('errors.problem-json', {}, { service: service() });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements?.['malformed-json.status']).toBe(400);
  });

  it('serves its API under /v1 only', async () => {
    const outcome = await runCheck('api.versioned', {}, { service: service() });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements).toMatchObject({
      '/v1/ledger/head.status': 200,
      '/ledger/head.status': 404,
    });
  });
});
