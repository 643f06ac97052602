import { rmSync } from 'node:fs';
import { MigrationSet, migrationStatus, wrapDatabase } from '@bulwark/db';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Ledger, migrate, openDriver, type SqlDriver, toHex } from '../src/index.js';
import type { PgliteDriver } from '../src/store/pglite.js';
import { PostgresDriver } from '../src/store/postgres.js';
import {
  legacyFixture,
  legacyPgliteDirectory,
  legacyPostgresDump,
} from './helpers/legacy-fixture.js';
import { createTestDatabase, postgres } from './helpers/postgres.js';

/**
 * A ledger written by the code of commit e8ce92f (its own migration runner, bookkeeping in
 * ledger_schema_migrations) is opened by the code on @bulwark/db: it is adopted (no migration
 * re-runs), every entry and both signed checkpoints verify, it takes new entries, and verifies
 * again with nothing lost.
 */
const fixture = legacyFixture();
const set = MigrationSet.fromDirectory('ledger', new URL('../src/migrations/', import.meta.url));

async function ledgerStatus(driver: SqlDriver) {
  const db =
    driver instanceof PostgresDriver
      ? wrapDatabase({ pool: driver.pool }, { name: 'ledger' })
      : wrapDatabase({ pglite: (driver as PgliteDriver).db }, { name: 'ledger' });
  try {
    return await migrationStatus(db, set);
  } finally {
    await db.close();
  }
}

async function upgradeAndVerify(driver: SqlDriver, exactHashes: boolean) {
  const legacyBefore = await driver.query<{ version: number }>(
    'SELECT version FROM ledger_schema_migrations ORDER BY version',
  );
  expect(legacyBefore.map((r) => r.version)).toEqual([1, 2]);
  expect((await ledgerStatus(driver)).some((r) => r.applied)).toBe(false);

  // Adopted: nothing runs (re-running 0001 would fail on CREATE TABLE ledger_entries).
  expect(await migrate(driver)).toBe(0);
  expect(await ledgerStatus(driver)).toEqual([
    expect.objectContaining({ name: '0001_entries_head_checkpoints', applied: true, inSet: true }),
    expect.objectContaining({ name: '0002_head_follows_chain', applied: true, inSet: true }),
  ]);
  expect(await migrate(driver)).toBe(0);

  const ledger = await Ledger.open(driver, { origin: fixture.origin, signer: fixture.signer });
  try {
    const before = await ledger.verify();
    expect(before).toMatchObject({
      valid: true,
      checked: fixture.size,
      head: fixture.size,
      reason: null,
    });
    expect(before.checkpoints).toMatchObject({
      compared: 2,
      signaturesChecked: true,
      latestTrustedSize: fixture.lastCheckpointSize,
    });
    const entries = await ledger.read(1, fixture.size);
    expect(entries).toHaveLength(fixture.size);
    if (exactHashes) {
      expect(before.root).toBe(fixture.rootHash);
      expect(entries.map((e) => toHex(e.entryHash))).toEqual(fixture.entryHashes);
    }

    const receipts = await ledger.appendBatch(
      Array.from({ length: 5 }, (_, i) => ({
        stream: 'after',
        kind: 'k',
        actor: 'upgrade',
        payload: { i },
      })),
    );
    expect(receipts.map((r) => r.seq)).toEqual([41, 42, 43, 44, 45]);
    const checkpoint = await ledger.checkpoint();
    expect(checkpoint.size).toBe(45);
    const after = await ledger.verify();
    expect(after).toMatchObject({ valid: true, checked: 45, head: 45 });
    expect(after.checkpoints).toMatchObject({
      compared: 3,
      signaturesChecked: true,
      latestTrustedSize: 45,
    });
    // The old entries are still the same entries.
    expect((await ledger.read(1, fixture.size)).map((e) => toHex(e.entryHash))).toEqual(
      entries.map((e) => toHex(e.entryHash)),
    );
  } finally {
    await ledger.close();
  }
}

describe('a PGlite ledger of commit e8ce92f', () => {
  it('is adopted, verifies, appends and verifies again', async () => {
    const dir = await legacyPgliteDirectory();
    try {
      await upgradeAndVerify(await openDriver(dir), true);
      // Reopened (a restart): still adopted, still whole.
      const driver = await openDriver(dir);
      try {
        expect(await migrate(driver)).toBe(0);
        const ledger = await Ledger.open(driver, {
          origin: fixture.origin,
          signer: fixture.signer,
          migrate: false,
        });
        expect(await ledger.verify()).toMatchObject({ valid: true, head: 45 });
      } finally {
        await driver.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!postgres.available)('a PostgreSQL ledger of commit e8ce92f (pg_dump)', () => {
  it('is adopted, verifies, appends and verifies again', async () => {
    const database = await createTestDatabase('legacy');
    try {
      const loader = new pg.Client({ connectionString: database.url });
      await loader.connect();
      await loader.query(legacyPostgresDump());
      await loader.end();
      // The dump holds a ledger filled the same way (its own timestamps, so its own hashes).
      await upgradeAndVerify(await openDriver(database.url), false);
    } finally {
      await database.drop();
    }
  });
});
