/**
 * Schema version 2 enforces in the database what the appender does: the head moves only along
 * a linked, correctly hashed chain of entries that all exist, and no entry lies beyond the
 * head. The app role (SET ROLE bulwark_ledger_app, what a stolen application credential gets)
 * therefore cannot extend the unwitnessed tail with forged rows; a superuser who switches
 * triggers off still can, and verify then names the first forged entry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ROLE,
  entryHashOf,
  formatVerifierKey,
  Ledger,
  MIGRATIONS,
  migrate,
  type NoteKey,
  noteKeyOf,
  openDriver,
  payloadHashOf,
  type SqlDriver,
  type SqlQueryable,
  toHex,
  verifyLedger,
} from '../src/index.js';
import { asSuperuserWithoutTriggers, createTestDatabase, postgres } from './helpers/postgres.js';
import { testSigner } from './helpers/test-signer.js';

const ORIGIN = 'bulwark.test/forged-tail';
const entry = (i: number) => ({
  stream: 'payments',
  kind: 'transfer',
  actor: 'user:1',
  payload: { amount: i, to: `acct-${i}` },
});

/** Entry `seq` as the appender would write it after `prevHash`, with hashes that check out. */
function wellFormed(seq: number, prevHash: Uint8Array, timeMs: number) {
  const payload = JSON.stringify({ amount: seq, to: 'acct-forged' });
  const payloadHash = payloadHashOf(payload);
  const fields = { seq, timeMs, stream: 'payments', kind: 'transfer', actor: 'user:9' };
  return {
    ...fields,
    payload,
    payloadHash,
    prevHash,
    entryHash: entryHashOf({ ...fields, payloadHash, prevHash }),
  };
}

const INSERT = `INSERT INTO ledger_entries
  (seq, recorded_at, stream, kind, actor, payload, payload_hash, prev_hash, entry_hash, tree_nodes)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '\\x')`;

const rowOf = (e: ReturnType<typeof wellFormed>) => [
  e.seq,
  new Date(e.timeMs),
  e.stream,
  e.kind,
  e.actor,
  e.payload,
  e.payloadHash,
  e.prevHash,
  e.entryHash,
];

async function insert(q: SqlQueryable, e: ReturnType<typeof wellFormed>): Promise<void> {
  await q.query(INSERT, rowOf(e));
}

async function headOf(q: SqlQueryable): Promise<{ size: number; lastHash: Uint8Array }> {
  const [row] = await q.query<{ size: string; last_hash: Uint8Array }>(
    'SELECT size, last_hash FROM ledger_head',
  );
  return { size: Number(row?.size), lastHash: row?.last_hash as Uint8Array };
}

type Forgery = (q: SqlQueryable, head: { size: number; lastHash: Uint8Array }) => Promise<void>;

/** Each way to extend or bend the tail with INSERT on entries and UPDATE on the head. */
const FORGERIES: [string, RegExp, Forgery][] = [
  [
    'a head moved past its rows',
    /entries 11 to 13 are not all there/,
    (q, h) => q.query('UPDATE ledger_head SET size = $1', [h.size + 3]).then(() => undefined),
  ],
  [
    'rows beyond the head, the head left alone',
    /entry 11 lies beyond the head/,
    (q, h) => insert(q, wellFormed(h.size + 1, h.lastHash, Date.now())),
  ],
  [
    'rows with a wrong prev link, the head moved onto them',
    /entry 11 does not link to the entry before it/,
    async (q, h) => {
      const forged = wellFormed(h.size + 1, new Uint8Array(32).fill(1), Date.now());
      await insert(q, forged);
      await q.query('UPDATE ledger_head SET size = $1, last_hash = $2', [
        forged.seq,
        forged.entryHash,
      ]);
    },
  ],
  [
    'a linked row whose payload does not match its payload hash',
    /entry 11 does not link to the entry before it or its hashes are wrong/,
    async (q, h) => {
      const forged = { ...wellFormed(h.size + 1, h.lastHash, Date.now()), payload: '{"amount":0}' };
      await insert(q, forged);
      await q.query('UPDATE ledger_head SET size = $1, last_hash = $2', [
        forged.seq,
        forged.entryHash,
      ]);
    },
  ],
  [
    'a linked row whose entry hash is not the hash of its fields',
    /entry 11 does not link to the entry before it or its hashes are wrong/,
    async (q, h) => {
      const forged = {
        ...wellFormed(h.size + 1, h.lastHash, Date.now()),
        entryHash: new Uint8Array(32).fill(2),
      };
      await insert(q, forged);
      await q.query('UPDATE ledger_head SET size = $1, last_hash = $2', [
        forged.seq,
        forged.entryHash,
      ]);
    },
  ],
  [
    'a head whose last hash is not the entry hash at its size',
    /last hash is not the entry hash at 11/,
    async (q, h) => {
      const forged = wellFormed(h.size + 1, h.lastHash, Date.now());
      await insert(q, forged);
      await q.query('UPDATE ledger_head SET size = $1, last_hash = $2', [forged.seq, h.lastHash]);
    },
  ],
  [
    'a head that changes its last hash without moving',
    /the head changed without moving/,
    (q) =>
      q
        .query('UPDATE ledger_head SET last_hash = $1', [new Uint8Array(32).fill(3)])
        .then(() => undefined),
  ],
];

/** Run as a superuser with triggers off (pg client): what the database cannot refuse. */
const SUPERUSER_FORGERIES: [string, (c: pg.Client) => Promise<void>][] = [
  [
    'two rows after the head, the first linked to a made-up predecessor, the head moved on',
    async (c) => {
      const first = wellFormed(11, new Uint8Array(32).fill(4), Date.now());
      const second = wellFormed(12, first.entryHash, Date.now());
      for (const e of [first, second]) await c.query(INSERT, rowOf(e));
      await c.query('UPDATE ledger_head SET size = 12, last_hash = $1', [second.entryHash]);
    },
  ],
  [
    'a head moved past its rows',
    async (c) => {
      await c.query('UPDATE ledger_head SET size = 13');
    },
  ],
  [
    'a well-linked row beyond the head, the head left alone',
    async (c) => {
      const { rows } = await c.query('SELECT last_hash FROM ledger_head');
      await c.query(INSERT, rowOf(wellFormed(11, rows[0].last_hash, Date.now())));
    },
  ],
];

const signer = testSigner();
const trustedKeys = [noteKeyOf(ORIGIN, signer)];

/** Ten entries and a signed checkpoint of them (this test signer audits nowhere). */
async function tenEntries(driver: SqlDriver): Promise<Ledger> {
  const ledger = await Ledger.open(driver, { origin: ORIGIN, signer });
  await ledger.appendBatch(Array.from({ length: 10 }, (_, i) => entry(i + 1)));
  await ledger.checkpoint();
  return ledger;
}

describe('schema v2 on PGlite: head moves only along a valid chain', () => {
  let ledger: Ledger;
  beforeAll(async () => {
    ledger = await tenEntries(await openDriver('memory://'));
  });
  afterAll(() => ledger?.close());

  it.each(FORGERIES)('refuses %s', async (_name, refusal, forge) => {
    const head = await headOf(ledger.driver);
    await expect(ledger.driver.transaction((tx) => forge(tx, head))).rejects.toThrow(refusal);
    expect(await headOf(ledger.driver)).toEqual(head);
    expect(await ledger.verify()).toMatchObject({ valid: true, head: 10 });
  });

  it('still takes real appends, single and batched', async () => {
    await ledger.append(entry(11));
    await ledger.appendBatch([entry(12), entry(13)]);
    expect(await ledger.verify()).toMatchObject({ valid: true, head: 13 });
  });
});

describe.skipIf(!postgres.available)('schema v2 on PostgreSQL, as the app role', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let ledger: Ledger;
  beforeAll(async () => {
    database = await createTestDatabase('forged_tail');
    ledger = await tenEntries(await openDriver(database.url));
  });
  afterAll(async () => {
    await ledger?.close();
    await database?.drop();
  });

  /** One transaction as the app role: what a stolen application credential may run. */
  const asAppRole = <T>(fn: (tx: SqlQueryable) => Promise<T>) =>
    ledger.driver.transaction(async (tx) => {
      await tx.query(`SET LOCAL ROLE ${APP_ROLE}`);
      return fn(tx);
    });

  it('lets the app role append a well-formed entry with its head move', async () => {
    const rolledBack = new Error('checked, now roll back');
    const outcome = await asAppRole(async (tx) => {
      const head = await headOf(tx);
      const next = wellFormed(head.size + 1, head.lastHash, Date.now());
      await insert(tx, next);
      await tx.query('UPDATE ledger_head SET size = $1, last_hash = $2', [
        next.seq,
        next.entryHash,
      ]);
      // Runs the deferred checks now; the frontier was not advanced, so undo the append.
      await tx.query('SET CONSTRAINTS ALL IMMEDIATE');
      throw rolledBack;
    }).catch((error: unknown) => error);
    expect(outcome).toBe(rolledBack);
    expect((await headOf(ledger.driver)).size).toBe(10);
  });

  it.each(FORGERIES)('refuses %s', async (_name, refusal, forge) => {
    const head = await headOf(ledger.driver);
    await expect(asAppRole((tx) => forge(tx, head))).rejects.toThrow(refusal);
    expect(await headOf(ledger.driver)).toEqual(head);
  });

  it('refuses the app role switching the triggers off', async () => {
    await expect(
      asAppRole((tx) => tx.query("SET LOCAL session_replication_role = 'replica'")),
    ).rejects.toThrow(/permission denied/);
    await expect(
      asAppRole((tx) => tx.query('ALTER TABLE ledger_head DISABLE TRIGGER ALL')),
    ).rejects.toThrow(/must be owner/);
  });

  it.each(SUPERUSER_FORGERIES)(
    'leaves a superuser with triggers off to verify: %s, named at seq 11 with exit 1',
    async (_name, forge) => {
      // A database of its own: the forgery stays in it.
      const forged = await createTestDatabase('forged_tail_su');
      const victim = await tenEntries(await openDriver(forged.url));
      await victim.close();
      const before = { size: 10 };
      await asSuperuserWithoutTriggers(forged.url, forge);
      // The signed checkpoint of size 10 vouches for entries 1 to 10, so seq 11 is the first bad.
      const driver = await openDriver(forged.url);
      const report = await verifyLedger(driver, { trustedKeys }).finally(() => driver.close());
      expect(report.valid).toBe(false);
      expect(report.firstBadSeq).toBe(before.size + 1);

      // The CLI a verifier runs says the same with exit 1.
      const pubkeyFile = join(mkdtempSync(join(tmpdir(), 'bw-forged-tail-')), 'ledger.pub');
      writeFileSync(pubkeyFile, `${formatVerifierKey(trustedKeys[0] as NoteKey)}\n`);
      const cli = spawnSync(
        process.execPath,
        [
          join(import.meta.dirname, '../../cli/bin/bulwark.mjs'),
          'ledger',
          'verify',
          '--db',
          forged.url,
          '--pubkey',
          pubkeyFile,
          '--format',
          'json',
        ],
        { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      );
      await forged.drop();
      expect(cli.status, cli.stderr).toBe(1);
      expect(JSON.parse(cli.stdout)).toMatchObject({ valid: false, firstBadSeq: before.size + 1 });
    },
  );
});

describe.skipIf(!postgres.available)('an existing v1 ledger', () => {
  it('migrates forward to v2 with its entries intact, and then refuses forgeries', async () => {
    const database = await createTestDatabase('v1_forward');
    const driver = await openDriver(database.url);
    try {
      // A ledger written before v2: only the first migration applied.
      await driver.transaction(async (tx) => {
        await tx.exec(`CREATE TABLE ledger_schema_migrations (
          version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
        await tx.exec((MIGRATIONS[0] as { sql: string }).sql);
        await tx.query('INSERT INTO ledger_schema_migrations (version, name) VALUES (1, $1)', [
          MIGRATIONS[0]?.name,
        ]);
      });
      const old = await Ledger.open(driver, { origin: ORIGIN, migrate: false });
      await old.appendBatch(Array.from({ length: 5 }, (_, i) => entry(i + 1)));
      // v1 lets a forged head move through.
      await driver.transaction((tx) => tx.query('UPDATE ledger_head SET size = 5'));

      expect(await migrate(driver)).toBe(MIGRATIONS.length - 1);
      const versions = await driver.query<{ version: number }>(
        'SELECT version FROM ledger_schema_migrations ORDER BY version',
      );
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
      const ledger = await Ledger.open(driver, { origin: ORIGIN });
      await ledger.append(entry(6));
      expect(await ledger.verify()).toMatchObject({ valid: true, head: 6 });
      await expect(
        driver.transaction((tx) => tx.query('UPDATE ledger_head SET size = 9')),
      ).rejects.toThrow(/entries 7 to 9 are not all there/);
      expect(toHex((await headOf(driver)).lastHash)).toBe(
        toHex((await ledger.read(6, 1))[0]?.entryHash as Uint8Array),
      );
    } finally {
      await driver.close();
      await database.drop();
    }
  });
});
