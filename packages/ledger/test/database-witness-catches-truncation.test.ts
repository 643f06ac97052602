import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseWitness, Ledger, noteKeyOf, openDriver, verifyLedger } from '../src/index.js';
import { frontierAt } from '../src/proofs.js';
import { PostgresDriver } from '../src/store/postgres.js';
import { asSuperuserWithoutTriggers, createTestDatabase, postgres } from './helpers/postgres.js';
import { testSigner } from './helpers/test-signer.js';

const ORIGIN = 'bulwark.test/db-witness';

describe.skipIf(!postgres.available)('a second database as the witness', () => {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it('holds signed checkpoints append-only, refuses replays, and catches a truncated tail', async () => {
    const ledgerDb = await createTestDatabase('dbw_log');
    const witnessDb = await createTestDatabase('dbw_wit');
    drops.push(ledgerDb.drop, witnessDb.drop);
    const signer = testSigner();
    const keys = [noteKeyOf(ORIGIN, signer)];
    const witnessDriver = new PostgresDriver(witnessDb.url);
    const witness = new DatabaseWitness(witnessDriver, {
      name: 'witness-db',
      origin: ORIGIN,
      keys,
    });
    const ledger = await Ledger.open(await openDriver(ledgerDb.url), {
      origin: ORIGIN,
      signer,
      witnesses: [witness],
    });
    for (let i = 1; i <= 6; i++)
      await ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: i });
    const first = await ledger.checkpoint();
    for (let i = 7; i <= 10; i++)
      await ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: i });
    await ledger.checkpoint();
    await ledger.close();
    expect((await witness.list()).map((c) => c.size)).toEqual([6, 10]);
    await expect(witness.submit(first.note, [])).rejects.toThrow(/older than the witnessed 10/);
    await expect(witnessDriver.query('DELETE FROM ledger_witness_checkpoints')).rejects.toThrow(
      /append-only/,
    );

    await asSuperuserWithoutTriggers(ledgerDb.url, async (c) => {
      const driver = new PostgresDriver(ledgerDb.url);
      const tree = await frontierAt(driver, 8);
      await driver.close();
      await c.query('DELETE FROM ledger_entries WHERE seq > 8');
      await c.query('DELETE FROM ledger_checkpoints WHERE tree_size > 8');
      await c.query(
        'UPDATE ledger_head SET size = 8, last_hash = (SELECT entry_hash FROM ledger_entries WHERE seq = 8), frontier = $1',
        [Buffer.concat(tree.frontier)],
      );
    });
    const driver = new PostgresDriver(ledgerDb.url);
    try {
      expect(await verifyLedger(driver, { trustedKeys: keys })).toMatchObject({
        valid: true,
        head: 8,
      });
      const report = await verifyLedger(driver, { trustedKeys: keys, witnesses: [witness] });
      expect(report).toMatchObject({ valid: false, firstBadSeq: 9 });
      expect(report.reason).toMatch(
        /witness db:witness-db covers 10 entries but the ledger ends at 8/,
      );
    } finally {
      await driver.close();
      await witnessDriver.close();
    }
  });
});
