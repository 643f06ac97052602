/**
 * Tampering as a database superuser who has read docs/ledger.md: triggers off, hashes and Merkle
 * nodes recomputed from the data model with the package's own functions where the attack needs
 * them consistent.
 */
import { entryHashOf, Ledger, leafHash, openDriver, payloadHashOf } from '../../src/index.js';
import { frontierAt } from '../../src/proofs.js';
import { PostgresDriver } from '../../src/store/postgres.js';
import { asSuperuserWithoutTriggers } from './postgres.js';

/**
 * Rewrites entry `seq`'s payload and recomputes its payload hash and entry hash. With `tree`,
 * also every stored Merkle node and the head's frontier from there on, so the tree agrees with
 * the rewritten entry and only the next entry's prev hash (and signed checkpoints) still
 * commit to the original.
 */
export async function rewritePayload(
  url: string,
  seq: number,
  payload: string,
  options: { tree: boolean },
): Promise<void> {
  await asSuperuserWithoutTriggers(url, async (c) => {
    const { rows } = await c.query(
      'SELECT seq, recorded_at, stream, kind, actor, prev_hash, entry_hash FROM ledger_entries WHERE seq >= $1 ORDER BY seq',
      [seq],
    );
    const row = rows[0];
    const payloadHash = payloadHashOf(payload);
    const entryHash = entryHashOf({
      seq,
      timeMs: (row.recorded_at as Date).getTime(),
      stream: row.stream,
      kind: row.kind,
      actor: row.actor,
      payloadHash,
      prevHash: row.prev_hash,
    });
    await c.query(
      'UPDATE ledger_entries SET payload = $1, payload_hash = $2, entry_hash = $3 WHERE seq = $4',
      [payload, payloadHash, entryHash, seq],
    );
    if (!options.tree) return;
    const driver = new PostgresDriver(url);
    const range = await frontierAt(driver, seq - 1);
    await driver.close();
    for (const r of rows) {
      const hash = Number(r.seq) === seq ? entryHash : (r.entry_hash as Buffer);
      const nodes = Buffer.concat(range.append(leafHash(hash)));
      await c.query('UPDATE ledger_entries SET tree_nodes = $1 WHERE seq = $2', [nodes, r.seq]);
    }
    await c.query('UPDATE ledger_head SET frontier = $1', [Buffer.concat(range.frontier)]);
    if (Number(rows[rows.length - 1].seq) === seq)
      await c.query('UPDATE ledger_head SET last_hash = $1', [entryHash]);
  });
}

/**
 * Replaces the whole history with `count` entries of the attacker's choosing, chained, hashed
 * and treed exactly as the ledger would (by the package's own append), head included, and
 * deletes every checkpoint row: nothing left in the database contradicts the new history.
 */
export async function rewriteHistory(url: string, origin: string, count: number): Promise<void> {
  await asSuperuserWithoutTriggers(url, async (c) => {
    await c.query('DELETE FROM ledger_entries');
    await c.query('DELETE FROM ledger_checkpoints');
    await c.query(
      `UPDATE ledger_head SET size = 0, last_hash = '\\x${'00'.repeat(32)}', frontier = '\\x'`,
    );
  });
  // The ledger's own appends recompute every hash and node (no signer: no checkpoint is made).
  const forger = await Ledger.open(await openDriver(url), { origin, migrate: false });
  try {
    for (let i = 1; i <= count; i++)
      await forger.append({
        stream: 'payments',
        kind: 'transfer',
        actor: 'user:0',
        payload: { amount: 1, to: `attacker-${i}` },
      });
  } finally {
    await forger.close();
  }
}
