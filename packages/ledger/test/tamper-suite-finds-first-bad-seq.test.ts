/**
 * The tamper cases of issues 3 and 10, on real PostgreSQL, each performed by a superuser who
 * disables the append-only triggers (session_replication_role = replica), as a hostile DBA would.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DirectoryWitness,
  entryHashOf,
  Ledger,
  leafHash,
  noteKeyOf,
  openDriver,
  payloadHashOf,
  type VerifyOptions,
  type VerifyReport,
  verifyLedger,
} from '../src/index.js';
import { frontierAt } from '../src/proofs.js';
import { PostgresDriver } from '../src/store/postgres.js';
import {
  ADMIN_URL,
  asSuperuserWithoutTriggers,
  createTestDatabase,
  postgres,
} from './helpers/postgres.js';
import { rewritePayload } from './helpers/tamper.js';
import { testSigner } from './helpers/test-signer.js';

const ORIGIN = 'bulwark.test/tamper';
const signer = testSigner();
const trustedKeys = [noteKeyOf(ORIGIN, signer)];

describe.skipIf(!postgres.available)('tamper suite on PostgreSQL', () => {
  let template: Awaited<ReturnType<typeof createTestDatabase>>;
  let templateWitness: string;
  const cleanups: (() => Promise<void>)[] = [];
  let copies = 0;

  beforeAll(async () => {
    template = await createTestDatabase('tamper_tpl');
    templateWitness = mkdtempSync(join(tmpdir(), 'bw-tamper-witness-'));
    const ledger = await Ledger.open(await openDriver(template.url), {
      origin: ORIGIN,
      signer,
      witnesses: [new DirectoryWitness(templateWitness, trustedKeys)],
    });
    const append = (i: number) =>
      ledger.append({
        stream: 'payments',
        kind: 'transfer',
        actor: `user:${i % 3}`,
        payload: { amount: i * 10, to: `acct-${i}` },
      });
    for (let i = 1; i <= 10; i++) await append(i);
    await ledger.checkpoint();
    for (let i = 11; i <= 20; i++) await append(i);
    await ledger.checkpoint();
    await ledger.close();
  });

  // Each case drops its copies when it ends, so no hook has to drop dozens at once.
  afterEach(async () => {
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup();
  });

  afterAll(async () => {
    await template?.drop();
    rmSync(templateWitness, { recursive: true, force: true });
  });

  /** A copy of the untouched 20-entry ledger (database and witness directory). */
  async function fresh(): Promise<{ url: string; witnessDir: string }> {
    copies += 1;
    const name = `${template.name}_c${copies}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template.name}`);
    await admin.end();
    const url = new URL(template.url);
    url.pathname = `/${name}`;
    const witnessDir = mkdtempSync(join(tmpdir(), 'bw-tamper-case-'));
    cpSync(templateWitness, witnessDir, { recursive: true });
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(witnessDir, { recursive: true, force: true });
    });
    return { url: url.toString(), witnessDir };
  }

  async function verify(
    url: string,
    witnessDir?: string,
    pageSize?: number,
    options: VerifyOptions = {},
  ): Promise<VerifyReport> {
    const driver = new PostgresDriver(url);
    try {
      return await verifyLedger(driver, {
        trustedKeys,
        witnesses: witnessDir ? [new DirectoryWitness(witnessDir, trustedKeys)] : [],
        ...(pageSize ? { pageSize } : {}),
        ...options,
      });
    } finally {
      await driver.close();
    }
  }

  it('the untouched ledger verifies', async () => {
    const { url, witnessDir } = await fresh();
    expect(await verify(url, witnessDir)).toMatchObject({
      valid: true,
      checked: 20,
      head: 20,
      firstBadSeq: null,
    });
  });

  it('case 1: a changed payload is caught at its seq', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, (c) =>
      c.query(
        `UPDATE ledger_entries SET payload = '{"amount":1000000,"to":"acct-7"}' WHERE seq = 7`,
      ),
    );
    const report = await verify(url, witnessDir);
    expect(report).toMatchObject({ valid: false, firstBadSeq: 7, checked: 6 });
    expect(report.reason).toMatch(/payload does not match/);
  });

  it('case 1b: a payload changed together with its payload hash is caught by the entry hash', async () => {
    const { url, witnessDir } = await fresh();
    const payload = '{"amount":1000000,"to":"acct-7"}';
    await asSuperuserWithoutTriggers(url, (c) =>
      c.query('UPDATE ledger_entries SET payload = $1, payload_hash = $2 WHERE seq = 7', [
        payload,
        payloadHashOf(payload),
      ]),
    );
    expect(await verify(url, witnessDir)).toMatchObject({
      valid: false,
      firstBadSeq: 7,
      reason: expect.stringMatching(/entry hash/),
    });
  });

  it('case 2: a changed stored hash is caught at its seq', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, (c) =>
      c.query(
        `UPDATE ledger_entries SET entry_hash = set_byte(entry_hash, 0, (get_byte(entry_hash, 0) + 1) % 256) WHERE seq = 7`,
      ),
    );
    expect(await verify(url, witnessDir)).toMatchObject({
      valid: false,
      firstBadSeq: 7,
      reason: expect.stringMatching(/entry hash/),
    });
  });

  it('case 3: a deleted middle row is caught at its seq', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, (c) =>
      c.query('DELETE FROM ledger_entries WHERE seq = 7'),
    );
    expect(await verify(url, witnessDir)).toMatchObject({
      valid: false,
      firstBadSeq: 7,
      reason: 'entry 7 is missing (the next stored is 8)',
    });
  });

  it('case 3b: deleted rows filling whole cursor pages are caught at the first of them', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, (c) =>
      c.query('DELETE FROM ledger_entries WHERE seq BETWEEN 5 AND 16'),
    );
    // Pages of 4: [5..8], [9..12] and [13..16] come back empty, past the prefetch window.
    for (const pageSize of [4, 2, 3]) {
      expect(await verify(url, witnessDir, pageSize)).toMatchObject({
        valid: false,
        firstBadSeq: 5,
        reason: 'entry 5 is missing (the next stored is 17)',
      });
    }
    expect(await verify(url, witnessDir, 4)).toMatchObject({ checked: 4 });
  });

  it('tampering on either side of a page boundary is caught at its seq, through binary COPY and the row query alike', async () => {
    const pageSize = 4; // pages [1..4], [5..8], [9..12]: seq 8 ends one, 9 starts the next
    const cases: { sql: string; seq: number; reason: RegExp }[] = [
      {
        // The first row of a page must link to the last row of the page before it.
        sql: 'UPDATE ledger_entries SET prev_hash = set_byte(prev_hash, 31, (get_byte(prev_hash, 31) + 1) % 256) WHERE seq = 9',
        seq: 9,
        reason: /prev hash does not link to entry 8/,
      },
      {
        // Seq 8 closes the level-3 subtree of leaves 1..8, which spans two pages.
        sql: 'UPDATE ledger_entries SET tree_nodes = set_byte(tree_nodes, 64, (get_byte(tree_nodes, 64) + 1) % 256) WHERE seq = 8',
        seq: 8,
        reason: /stored Merkle nodes disagree/,
      },
      {
        sql: `UPDATE ledger_entries SET payload = '{"amount":1,"to":"acct-8"}' WHERE seq = 8`,
        seq: 8,
        reason: /payload does not match/,
      },
      {
        sql: "UPDATE ledger_entries SET actor = 'user:9' WHERE seq = 9",
        seq: 9,
        reason: /entry hash does not match/,
      },
    ];
    for (const tamper of cases) {
      const { url, witnessDir } = await fresh();
      await asSuperuserWithoutTriggers(url, (c) => c.query(tamper.sql));
      const driver = new PostgresDriver(url);
      // Without copyOut the verifier reads pages with the row query (as on PGlite).
      const rowQuery = {
        query: driver.query.bind(driver),
        exec: driver.exec.bind(driver),
      } as typeof driver;
      try {
        for (const q of [driver, rowQuery]) {
          const report = await verifyLedger(q, {
            trustedKeys,
            witnesses: [new DirectoryWitness(witnessDir, trustedKeys)],
            pageSize,
          });
          expect(report).toMatchObject({
            valid: false,
            firstBadSeq: tamper.seq,
            checked: tamper.seq - 1,
          });
          expect(report.reason).toMatch(tamper.reason);
        }
      } finally {
        await driver.close();
      }
    }
  });

  it('case 4: a forged row, correctly chained and hashed, is caught at its seq', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, async (c) => {
      const driver = new PostgresDriver(url);
      const tree = await frontierAt(driver, 20);
      await driver.close();
      const last = (await c.query('SELECT entry_hash FROM ledger_entries WHERE seq = 20')).rows[0]
        .entry_hash as Buffer;
      const payload = '{"amount":999999,"to":"attacker"}';
      const fields = {
        seq: 21,
        timeMs: Date.now(),
        stream: 'payments',
        kind: 'transfer',
        actor: 'user:1',
        payloadHash: payloadHashOf(payload),
        prevHash: last,
      };
      const entryHash = entryHashOf(fields);
      const nodes = Buffer.concat(tree.append(leafHash(entryHash)));
      await c.query(
        `INSERT INTO ledger_entries VALUES (21, $6, 'payments', 'transfer', 'user:1', $1, $2, $3, $4, $5)`,
        [payload, fields.payloadHash, last, entryHash, nodes, new Date(fields.timeMs)],
      );
    });
    const report = await verify(url, witnessDir);
    // Flagged, not hashed: the verify covers the log up to the head it found when it started.
    expect(report).toMatchObject({ valid: false, firstBadSeq: 21, checked: 20 });
    expect(report.reason).toMatch(/beyond the recorded head/);
  });

  it('case 5: two reordered rows are caught at the first of them', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, async (c) => {
      await c.query('UPDATE ledger_entries SET seq = seq + 1000 WHERE seq IN (7, 8)');
      await c.query(
        'UPDATE ledger_entries SET seq = CASE seq WHEN 1007 THEN 8 ELSE 7 END WHERE seq IN (1007, 1008)',
      );
    });
    expect(await verify(url, witnessDir)).toMatchObject({ valid: false, firstBadSeq: 7 });
  });

  it('case 6: a truncated tail, with the head and database checkpoints made to match, is caught by the witness', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, async (c) => {
      const driver = new PostgresDriver(url);
      const tree = await frontierAt(driver, 15);
      await driver.close();
      await c.query('DELETE FROM ledger_entries WHERE seq > 15');
      await c.query('DELETE FROM ledger_checkpoints WHERE tree_size > 15');
      await c.query(
        'UPDATE ledger_head SET size = 15, last_hash = (SELECT entry_hash FROM ledger_entries WHERE seq = 15), frontier = $1',
        [Buffer.concat(tree.frontier)],
      );
    });
    // The database alone now looks like a healthy 15-entry log...
    expect(await verify(url)).toMatchObject({ valid: true, head: 15 });
    // ...but the witness holds a signed checkpoint of 20 entries.
    const report = await verify(url, witnessDir);
    expect(report).toMatchObject({ valid: false, firstBadSeq: 16, head: 15 });
    expect(report.reason).toMatch(
      /witness .* covers 20 entries but the ledger ends at 15: tail truncated/,
    );
  });

  it('case 7: a consistent rewrite of the whole history without the signing key is caught by signature and witness', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, async (c) => {
      await c.query('DELETE FROM ledger_entries');
      await c.query('DELETE FROM ledger_checkpoints');
      await c.query(
        `UPDATE ledger_head SET size = 0, last_hash = '\\x${'00'.repeat(32)}', frontier = '\\x'`,
      );
    });
    // The attacker rebuilds a perfectly consistent chain and tree and signs it with their own key.
    const forger = await Ledger.open(await openDriver(url), {
      origin: ORIGIN,
      signer: testSigner('attacker/v1'),
    });
    for (let i = 1; i <= 20; i++)
      await forger.append({
        stream: 'payments',
        kind: 'transfer',
        actor: 'user:0',
        payload: { amount: 1, to: `acct-${i}` },
      });
    await forger.checkpoint();
    expect(await forger.verify()).toMatchObject({ valid: true, head: 20 });
    await forger.close();

    const withKeyOnly = await verify(url);
    expect(withKeyOnly.valid).toBe(false);
    expect(withKeyOnly.reason).toMatch(
      /no signature on the checkpoint verifies with a trusted key/,
    );
    const report = await verify(url, witnessDir);
    expect(report).toMatchObject({ valid: false, firstBadSeq: 1 });
    expect(report.reason).toMatch(/root at size 10 differs from the witness/);
  });

  it('case 8: a replayed old checkpoint is caught, and the witness refuses it', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, (c) =>
      c.query(`INSERT INTO ledger_checkpoints (tree_size, root_hash, note)
               SELECT tree_size, root_hash, note FROM ledger_checkpoints WHERE tree_size = 10`),
    );
    const report = await verify(url, witnessDir);
    expect(report).toMatchObject({ valid: false, firstBadSeq: null });
    expect(report.reason).toMatch(/replays size 10 after size 20 was signed/);
    const witness = new DirectoryWitness(witnessDir, trustedKeys);
    const old = (await witness.list())[0];
    await expect(witness.submit(old?.note as string, [])).rejects.toThrow(
      /older than the witnessed 20/,
    );
  });

  it('case 9: deleting the newest checkpoint row, or every one, is caught while the witness holds them', async () => {
    for (const [sql, missing] of [
      [
        'DELETE FROM ledger_checkpoints WHERE tree_size = 20',
        /lacks the checkpoint of size 20 that witness dir:/,
      ],
      [
        'DELETE FROM ledger_checkpoints',
        /lacks 2 checkpoints that witness dir:.* \(sizes 10, 20\)/,
      ],
    ] as const) {
      const { url, witnessDir } = await fresh();
      await asSuperuserWithoutTriggers(url, (c) => c.query(sql));
      // The entries are untouched, so no seq is at fault: the deleted checkpoint is named.
      const report = await verify(url, witnessDir);
      expect(report).toMatchObject({ valid: false, firstBadSeq: null, checked: 20 });
      expect(report.reason).toMatch(missing);
      expect(report.reason).toMatch(/checkpoint rows were deleted/);
    }
  });

  it('case 10: a NULL in an entry column is tampering at its seq, through binary COPY and the row query alike', async () => {
    for (const column of ['payload', 'entry_hash', 'recorded_at']) {
      const { url, witnessDir } = await fresh();
      await asSuperuserWithoutTriggers(url, async (c) => {
        await c.query(`ALTER TABLE ledger_entries ALTER COLUMN ${column} DROP NOT NULL`);
        await c.query(`UPDATE ledger_entries SET ${column} = NULL WHERE seq = 12`);
      });
      const driver = new PostgresDriver(url);
      const rowQuery = {
        query: driver.query.bind(driver),
        exec: driver.exec.bind(driver),
      } as typeof driver;
      try {
        for (const q of [driver, rowQuery]) {
          const report = await verifyLedger(q, {
            trustedKeys,
            witnesses: [new DirectoryWitness(witnessDir, trustedKeys)],
            pageSize: 5,
          });
          expect(report, column).toMatchObject({
            valid: false,
            firstBadSeq: 12,
            checked: 11,
            reason: `entry 12: column ${column} is NULL`,
          });
        }
      } finally {
        await driver.close();
      }
    }
  });

  it('case 11: a deleted head row is tampering, reported with no seq at fault after every entry is checked', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, (c) => c.query('DELETE FROM ledger_head'));
    const report = await verify(url, witnessDir);
    expect(report).toMatchObject({
      valid: false,
      firstBadSeq: null,
      reason: 'the ledger_head row is missing',
      checked: 20,
      head: 20,
    });
    // Without the head, a truncated tail is still caught by the witness.
    await asSuperuserWithoutTriggers(url, (c) =>
      c.query('DELETE FROM ledger_entries WHERE seq > 15'),
    );
    expect(await verify(url, witnessDir)).toMatchObject({
      valid: false,
      firstBadSeq: 16,
      head: 15,
    });
  });

  it('case 12: a payload edited with its own hashes recomputed is caught at that seq, not at the next', async () => {
    const cases = [
      // seq 7 closes no subtree, so only entry 8's prev link contradicts it.
      { seq: 7, tree: false, pageSize: undefined },
      { seq: 7, tree: true, pageSize: undefined },
      // seq 8 ends a page of 4 and closes three subtrees: with the tree recomputed too, only
      // entry 9, the first row of the next page, contradicts it.
      { seq: 8, tree: true, pageSize: 4 },
      { seq: 8, tree: false, pageSize: 4 },
      // the last entry: only the head row (and the witness) still commit to its old hash.
      { seq: 20, tree: false, pageSize: undefined },
    ];
    for (const c of cases) {
      const { url, witnessDir } = await fresh();
      await rewritePayload(url, c.seq, `{"amount":1000000,"to":"acct-${c.seq}"}`, { tree: c.tree });
      const report = await verify(url, witnessDir, c.pageSize);
      expect(report, JSON.stringify(c)).toMatchObject({
        valid: false,
        firstBadSeq: c.seq,
        checked: c.seq - 1,
      });
    }
    // The reason says what happened when only the link after it contradicts the entry.
    const { url } = await fresh();
    await rewritePayload(url, 7, '{"amount":1000000,"to":"acct-7"}', { tree: true });
    expect((await verify(url)).reason).toBe(
      'entry 7 was rewritten with its hashes recomputed: entry 8, intact and linked to by entry 9, commits to its original hash',
    );
  });

  it('case 12b: an entry whose prev hash alone was re-pointed, its hash recomputed, is the one named', async () => {
    const { url, witnessDir } = await fresh();
    await asSuperuserWithoutTriggers(url, async (c) => {
      const { rows } = await c.query(
        'SELECT recorded_at, stream, kind, actor, payload_hash FROM ledger_entries WHERE seq = 9',
      );
      const prevHash = Buffer.alloc(32, 7);
      const entryHash = entryHashOf({
        seq: 9,
        timeMs: (rows[0].recorded_at as Date).getTime(),
        stream: rows[0].stream,
        kind: rows[0].kind,
        actor: rows[0].actor,
        payloadHash: rows[0].payload_hash,
        prevHash,
      });
      await c.query('UPDATE ledger_entries SET prev_hash = $1, entry_hash = $2 WHERE seq = 9', [
        prevHash,
        entryHash,
      ]);
    });
    // Entry 10 still links to 9's original hash, so 9 is the rewritten one, not 8.
    expect(await verify(url, witnessDir)).toMatchObject({ valid: false, firstBadSeq: 9 });
  });

  it('case 13: witnesses without a trusted origin never yield a valid verdict', async () => {
    const { url, witnessDir } = await fresh();
    const driver = new PostgresDriver(url);
    try {
      const report = await verifyLedger(driver, { witnesses: [new DirectoryWitness(witnessDir)] });
      expect(report).toMatchObject({ valid: false, firstBadSeq: null });
      expect(report.reason).toMatch(/without a trusted origin/);
      // A witness holding another log's checkpoints is reported, not trusted.
      const other = await verifyLedger(driver, {
        origin: 'bulwark.test/another-log',
        witnesses: [new DirectoryWitness(witnessDir)],
      });
      expect(other.valid).toBe(false);
      expect(other.problems.map((p) => p.reason)).toContain(
        `witness dir:${witnessDir} holds checkpoints for ${ORIGIN}, not the origin bulwark.test/another-log`,
      );
    } finally {
      await driver.close();
    }
  });

  it('says what a valid verdict covers for the trust material given, and counts the unwitnessed tail', async () => {
    const { url, witnessDir } = await fresh();
    // Five entries after the last checkpoint (20): the tail no witness covers yet.
    const ledger = await Ledger.open(await openDriver(url), { origin: ORIGIN, migrate: false });
    for (let i = 21; i <= 25; i++)
      await ledger.append({ stream: 'payments', kind: 'transfer', actor: 'user:1', payload: i });
    const [first] = await ledger.read(21, 1);
    await ledger.close();
    const since = new Date(first?.timeMs as number).toISOString();

    const chainOnly = await verify(url, undefined, undefined, { trustedKeys: undefined });
    expect(chainOnly).toMatchObject({
      valid: true,
      trust: { level: 'chain', origin: null, signaturesChecked: false, witnessedSize: null },
      unwitnessedTail: { after: 'nothing', afterSize: 0, entries: 25 },
    });
    expect(chainOnly.trust.notCovered.join('\n')).toMatch(/signatures were not checked/);
    expect(chainOnly.trust.notCovered.join('\n')).toMatch(/without a witness/);

    const signed = await verify(url);
    expect(signed).toMatchObject({
      valid: true,
      trust: { level: 'signed', origin: ORIGIN, signaturesChecked: true },
      unwitnessedTail: { after: 'signed checkpoint', afterSize: 20, entries: 5, since },
    });
    expect(signed.trust.notCovered.join('\n')).toMatch(/whoever holds the signing key/);

    const witnessed = await verify(url, witnessDir);
    expect(witnessed).toMatchObject({
      valid: true,
      trust: { level: 'witnessed', origin: ORIGIN, signaturesChecked: true, witnessedSize: 20 },
      unwitnessedTail: { after: 'witnessed checkpoint', afterSize: 20, entries: 5, since },
    });
    expect(witnessed.trust.covered.join('\n')).toMatch(/first 20 entries match the checkpoints/);
    expect(witnessed.trust.notCovered).toEqual([
      `the 5 entries after the witnessed checkpoint of size 20 (the first recorded ${since}) can be rewritten consistently by whoever can write to the database, until a newer checkpoint is witnessed`,
    ]);
  });

  it('the application role cannot update, delete or truncate, and triggers stop even the owner', async () => {
    const { url } = await fresh();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const sql of [
        'UPDATE ledger_entries SET payload = $$1$$ WHERE seq = 1',
        'DELETE FROM ledger_entries WHERE seq = 1',
        'TRUNCATE ledger_entries',
        'DELETE FROM ledger_checkpoints',
        'UPDATE ledger_head SET size = 1',
      ]) {
        await expect(client.query(sql)).rejects.toThrow(/not allowed|only move forward/);
      }
      await client.query('SET ROLE bulwark_ledger_app');
      await expect(
        client.query('UPDATE ledger_entries SET payload = $$1$$ WHERE seq = 1'),
      ).rejects.toThrow(/permission denied/);
      await expect(client.query('TRUNCATE ledger_entries')).rejects.toThrow(/permission denied/);
      const rows = await client.query('SELECT count(*)::int AS n FROM ledger_entries');
      expect(rows.rows[0].n).toBe(20);
    } finally {
      await client.end();
    }
  });
});
