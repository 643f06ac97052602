/**
 * The acceptance test of the witness service: a verifier on a fresh machine, holding only the
 * log's public key, the witness's cosigner key and the witness's URL (no witness files, no
 * checkpoint rows), catches a consistent rewrite of witnessed history made in PostgreSQL by a
 * superuser with the triggers off, and names where the rewritten history starts: the first
 * entry after the newest witnessed checkpoint whose root still matches (the witness pins roots
 * at checkpoint sizes, so that is as close as any verifier can name it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAuditSink, openFileKeyProvider } from '@bulwark/keys';
import {
  CompactRange,
  entryHashOf,
  formatVerifierKey,
  HttpWitness,
  Ledger,
  leafHash,
  noteKeyOf,
  openDriver,
  payloadHashOf,
  verifyLedger,
} from '@bulwark/ledger';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSuperuserWithoutTriggers, createTestDatabase, postgres } from './helpers/postgres.js';
import { testLogSigner } from './helpers/witness.js';

const ORIGIN = 'bulwark.test/rewritten-log';
const WITNESS_NAME = 'witness.test/acceptance';
const ENTRY = join(import.meta.dirname, '..', 'src', 'main.ts');

describe.skipIf(!postgres.available)('a verifier that fetches witnessed state over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-witness-acceptance-'));
  const logSigner = testLogSigner();
  const logKey = noteKeyOf(ORIGIN, logSigner);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let witness: SpawnedProcess;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase('witness_acceptance');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // The witness as production runs it: its own process, key and directory.
    witness = spawnTs(ENTRY, {
      PORT: String(port),
      HOST: '127.0.0.1',
      BULWARK_KEYS_DIR: join(dir, 'witness-keys'),
      BULWARK_WITNESS_DATA_DIR: join(dir, 'witness-data'),
      BULWARK_WITNESS_NAME: WITNESS_NAME,
      BULWARK_WITNESS_LOG_KEYS: formatVerifierKey(logKey),
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    await witness.waitForLine((line) => line.includes('ready on http://'), 60_000);
  });

  afterAll(async () => {
    witness?.kill('SIGTERM');
    await witness?.exited;
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('catches a consistent rewrite of witnessed history with no local witness state', async () => {
    // The log checkpoints into the witness over HTTP only: nothing witnessed is stored locally.
    const ledger = await Ledger.open(await openDriver(database.url), {
      origin: ORIGIN,
      signer: logSigner,
      witnesses: [new HttpWitness({ url, origin: ORIGIN, logKeys: [logKey] })],
    });
    const append = (from: number, to: number) =>
      ledger.appendBatch(
        Array.from({ length: to - from + 1 }, (_, i) => ({
          stream: 'payments',
          kind: 'transfer',
          actor: 'user:1',
          payload: { amount: (from + i) * 10, to: `acct-${from + i}` },
        })),
      );
    await append(1, 10);
    await ledger.checkpoint();
    await append(11, 20);
    await ledger.checkpoint();
    await ledger.close();

    // The witness's key, as its operator publishes it (read from its keystore, not from the
    // witness's own HTTP answers).
    const keys = await openFileKeyProvider({
      dir: join(dir, 'witness-keys'),
      audit: new MemoryAuditSink(),
    });
    const [cosigner] = await keys.versions('witness-cosigner');
    await keys.close();
    const witnessKey = { name: WITNESS_NAME, publicKey: cosigner?.publicKey as Uint8Array };

    // Witnessed: sizes 10 and 20 (this test signer audits nowhere, so no audit records).
    // A superuser rewrites entry 15 and recomputes every hash after it, the Merkle nodes and the
    // head, so the chain and tree are consistent again; then deletes every checkpoint row.
    await asSuperuserWithoutTriggers(database.url, async (tx) => {
      const rows = await tx.query<{
        seq: string;
        recorded_at: Date;
        stream: string;
        kind: string;
        actor: string;
        payload: string;
        payload_hash: Uint8Array;
        entry_hash: Uint8Array;
      }>('SELECT * FROM ledger_entries ORDER BY seq');
      const tree = new CompactRange(0, []);
      let prevHash: Uint8Array = new Uint8Array(32);
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq < 15) {
          tree.append(leafHash(row.entry_hash));
          prevHash = row.entry_hash;
          continue;
        }
        const payload = seq === 15 ? '{"amount":1000000,"to":"acct-attacker"}' : row.payload;
        const payloadHash = seq === 15 ? payloadHashOf(payload) : row.payload_hash;
        const entryHash = entryHashOf({
          seq,
          timeMs: row.recorded_at.getTime(),
          stream: row.stream,
          kind: row.kind,
          actor: row.actor,
          payloadHash,
          prevHash,
        });
        const nodes = Buffer.concat(tree.append(leafHash(entryHash)));
        await tx.query(
          'UPDATE ledger_entries SET payload = $1, payload_hash = $2, prev_hash = $3, entry_hash = $4, tree_nodes = $5 WHERE seq = $6',
          [payload, payloadHash, prevHash, entryHash, nodes, seq],
        );
        prevHash = entryHash;
      }
      await tx.query('UPDATE ledger_head SET last_hash = $1, frontier = $2', [
        prevHash,
        Buffer.concat(tree.frontier),
      ]);
      await tx.query('DELETE FROM ledger_checkpoints');
    });

    // The rewrite is self-consistent: with no trust material at all it verifies.
    const driver = await openDriver(database.url);
    try {
      expect(await verifyLedger(driver, {})).toMatchObject({ valid: true });

      // The verifier on a fresh machine: the log key, the witness key and the witness's URL.
      const report = await verifyLedger(driver, {
        trustedKeys: [logKey],
        witnesses: [
          new HttpWitness({ url, origin: ORIGIN, logKeys: [logKey], witnessKeys: [witnessKey] }),
        ],
      });
      expect(report.valid).toBe(false);
      expect(report.firstBadSeq).toBe(11);
      expect(report.reason).toMatch(
        /the root at size 20 differs from the witness http:\/\/127.0.0.1:\d+: history after 10 was rewritten/,
      );
    } finally {
      await driver.close();
    }
  });
});
