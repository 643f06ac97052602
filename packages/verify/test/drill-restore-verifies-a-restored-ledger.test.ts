import { rmSync } from 'node:fs';
import { Ledger, PostgresDriver } from '@bulwark/ledger';
import { type PrivateServer, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  figuresOf,
  leftovers,
  postgresPart,
  runRestoreDrill,
  scratchDatabases,
  sharedTempDir,
  sql,
} from './restore-fixtures.js';

const part = postgresPart();
const ENTRIES = 250;

/** A ledger on the private cluster, written through packages/ledger's PostgreSQL store. */
async function ledgerAt(url: string, entries: number): Promise<void> {
  const ledger = await Ledger.open(new PostgresDriver(url, { maxConnections: 2 }), {
    origin: 'bulwark.test/restore-drill',
  });
  try {
    for (let i = 0; i < entries; i++) {
      await ledger.append({
        stream: 'orders',
        kind: 'order.placed',
        actor: 'svc:core-api',
        payload: { order: i, amount: i * 3 },
      });
    }
  } finally {
    await ledger.close();
  }
}

describe.skipIf(!part.available)('drill.restore on a Bulwark ledger', () => {
  let server: PrivateServer;
  let workDir: string;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    workDir = sharedTempDir('bulwark-restore-ledger-');
  }, 60_000);

  afterAll(async () => {
    await server?.remove();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('runs the ledger verifier on the restored copy and passes when the chain verifies', async () => {
    const url = await createDatabase(server, 'ledger_ok');
    await ledgerAt(url, ENTRIES);
    const outcome = await runRestoreDrill(
      { rtoMs: 120_000, workDir },
      { databases: [{ name: 'ledger', url }] },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements).toMatchObject({ ledgers: 1, ledgersValid: 1, differences: 0 });
    expect(outcome.summary).toMatch(/matching the source, 1 ledger valid/);
    const [database] = figuresOf(outcome).databases;
    expect(database?.ledgers).toEqual([
      expect.objectContaining({
        schema: 'public',
        valid: true,
        checked: ENTRIES,
        head: ENTRIES,
        trust: 'chain',
      }),
    ]);
    expect(await scratchDatabases(server)).toEqual([]);
    expect(leftovers(workDir)).toEqual([]);
  });

  it('fails when the restored ledger does not verify, naming the first bad entry', async () => {
    const url = await createDatabase(server, 'ledger_tampered');
    await ledgerAt(url, 40);
    // A superuser rewrites one payload behind the append-only triggers, as a hostile DBA would:
    // the dump carries the rewrite faithfully, so only the ledger verifier can see it.
    await sql(
      url,
      `SET session_replication_role = 'replica';
       UPDATE ledger_entries SET payload = '{"amount":0,"order":17}' WHERE seq = 18;`,
    );
    const outcome = await runRestoreDrill(
      { rtoMs: 120_000, workDir },
      { databases: [{ name: 'ledger', url }] },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^the restored ledger ledger_tampered\/public does not verify at seq 18: /,
    );
    expect(outcome.measurements).toMatchObject({ ledgers: 1, ledgersValid: 0, differences: 0 });
    expect(await scratchDatabases(server)).toEqual([]);
    expect(leftovers(workDir)).toEqual([]);
  });
});
