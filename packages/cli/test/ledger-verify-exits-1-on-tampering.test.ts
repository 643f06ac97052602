/**
 * `bulwark ledger verify` against a superuser's tampering (triggers off, hashes recomputed from
 * the data model), holding only what docs/ledger.md tells a verifier to hold: a trusted key, a
 * witness directory and a witness database. Damaged ledger data is tampering (exit 1) with the
 * first bad seq; only what cannot be read at all is exit 2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DatabaseWitness,
  DirectoryWitness,
  formatVerifierKey,
  Ledger,
  noteKeyOf,
  openDriver,
} from '@bulwark/ledger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  asSuperuserWithoutTriggers,
  createTestDatabase,
  postgres,
} from '../../ledger/test/helpers/postgres.js';
import { rewriteHistory, rewritePayload } from '../../ledger/test/helpers/tamper.js';
import { testSigner } from '../../ledger/test/helpers/test-signer.js';
import { type Run, runCli } from './run-cli.js';

const bin = fileURLToPath(new URL('../bin/bulwark.mjs', import.meta.url));
const ORIGIN = 'cli.test/tamper';
const signer = testSigner();

const bulwark = runCli;

/** The real executable, to prove the exit code reaches the shell. */
function bulwarkProcess(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe.skipIf(!postgres.available)('bulwark ledger verify against a hostile superuser', () => {
  const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-tamper-'));
  const drops: (() => Promise<void>)[] = [];
  let template: Awaited<ReturnType<typeof createTestDatabase>>;
  let witnessDb: Awaited<ReturnType<typeof createTestDatabase>>;
  const witnessDir = join(work, 'witness');
  /** A C2SP verifier key: it names the origin it signs for. */
  const verifierKey = join(work, 'ledger.vkey');
  /** A bulwark keyring: a bare key, no origin. */
  const keyring = join(work, 'keyring.json');

  beforeAll(async () => {
    template = await createTestDatabase('cli_tamper_tpl');
    witnessDb = await createTestDatabase('cli_tamper_wit');
    const keys = [noteKeyOf(ORIGIN, signer)];
    const witnessDriver = await openDriver(witnessDb.url);
    const ledger = await Ledger.open(await openDriver(template.url), {
      origin: ORIGIN,
      signer,
      witnesses: [
        new DirectoryWitness(witnessDir, keys),
        new DatabaseWitness(witnessDriver, { name: 'w', origin: ORIGIN, keys }),
      ],
    });
    for (let i = 1; i <= 20; i++) {
      await ledger.append({ stream: 'payments', kind: 'transfer', actor: 'user:1', payload: i });
      if (i % 10 === 0) await ledger.checkpoint();
    }
    await ledger.close();
    await witnessDriver.close();
    writeFileSync(verifierKey, `${formatVerifierKey(keys[0] as (typeof keys)[0])}\n`);
    writeFileSync(
      keyring,
      JSON.stringify({
        format: 'bulwark-keyring/v1',
        keys: [
          {
            keyId: 'ledger-checkpoint/v1',
            algorithm: 'Ed25519',
            publicKey: Buffer.from(signer.publicKey).toString('base64'),
          },
        ],
      }),
    );
  });

  // Each case drops its copies when it ends, so no hook has to drop them all at once.
  afterEach(async () => {
    for (let drop = drops.pop(); drop; drop = drops.pop()) await drop();
  });

  afterAll(async () => {
    await template?.drop();
    await witnessDb?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A copy of the untouched 20-entry ledger, checkpointed at 10 and 20 into both witnesses. */
  async function fresh(): Promise<string> {
    const copy = await createTestDatabase('cli_tamper', template.name);
    drops.push(copy.drop);
    return copy.url;
  }

  const verify = (db: string, ...trust: string[]) =>
    bulwark(['ledger', 'verify', '--db', db, ...trust]);

  it('reports the untouched ledger valid, with what that covers', async () => {
    const db = await fresh();
    const run = await verify(db, '--pubkey', verifierKey, '--witness', witnessDir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^VALID {2}20 entries verified/);
    expect(run.stdout).toMatch(/trust: witnessed, origin cli\.test\/tamper/);
    expect(run.stdout).toMatch(/covered: the first 20 entries match the checkpoints/);
    expect(run.stdout).toMatch(/unwitnessed tail: none/);
  });

  it('exits 1 for a full rewrite with every checkpoint deleted, holding only a key and a witness database', async () => {
    const db = await fresh();
    await rewriteHistory(db, ORIGIN, 25);
    // The real executable: the exit code reaches the shell.
    const run = await bulwarkProcess([
      'ledger',
      'verify',
      '--db',
      db,
      '--pubkey',
      verifierKey,
      '--witness',
      witnessDb.url,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^TAMPERED {2}first bad seq 1: the root at size 10 differs from the witness db:/,
    );
    expect(run.stdout).toMatch(
      /the database lacks 2 checkpoints that witness db:.* \(sizes 10, 20\)/,
    );
    // A bare key names no origin: the verifier must say which log it means, not the database.
    const bare = await verify(db, '--pubkey', keyring, '--witness', witnessDb.url);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^bulwark: --pubkey .*keyring\.json: the key file names no origin/);
    const named = await verify(
      db,
      '--pubkey',
      keyring,
      '--origin',
      ORIGIN,
      '--witness',
      witnessDb.url,
    );
    expect(named).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^TAMPERED {2}first bad seq 1/),
    });
    const noKey = await verify(db, '--witness', witnessDb.url);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^bulwark: --witness needs the log's origin/);
    expect(noKey.stderr.split('\n')).toHaveLength(2);
  });

  it('exits 1 naming the missing checkpoint when the newest, or every, checkpoint row is deleted', async () => {
    for (const [sql, named] of [
      [
        'DELETE FROM ledger_checkpoints WHERE tree_size = 20',
        /the checkpoint of size 20 that witness/,
      ],
      ['DELETE FROM ledger_checkpoints', /2 checkpoints that witness .* \(sizes 10, 20\)/],
    ] as const) {
      const db = await fresh();
      await asSuperuserWithoutTriggers(db, (c) => c.query(sql));
      for (const witness of [witnessDir, witnessDb.url]) {
        const run = await verify(db, '--pubkey', verifierKey, '--witness', witness);
        expect(run.code, `${sql} / ${witness}`).toBe(1);
        expect(run.stdout).toMatch(/^TAMPERED {2}no single entry at fault: the database lacks /);
        expect(run.stdout).toMatch(named);
      }
    }
  });

  it('exits 1 with the first bad seq for a NULL in an entry column', async () => {
    const db = await fresh();
    await asSuperuserWithoutTriggers(db, async (c) => {
      await c.query('ALTER TABLE ledger_entries ALTER COLUMN payload DROP NOT NULL');
      await c.query('UPDATE ledger_entries SET payload = NULL WHERE seq = 12');
    });
    const run = await verify(db, '--pubkey', verifierKey, '--witness', witnessDir);
    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(run.stdout).toMatch(/^TAMPERED {2}first bad seq 12: entry 12: column payload is NULL/);
  });

  it('exits 1 for a deleted head row, with no single entry at fault', async () => {
    const db = await fresh();
    await asSuperuserWithoutTriggers(db, (c) => c.query('DELETE FROM ledger_head'));
    const run = await verify(
      db,
      '--pubkey',
      verifierKey,
      '--witness',
      witnessDir,
      '--format',
      'json',
    );
    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      valid: false,
      firstBadSeq: null,
      reason: 'the ledger_head row is missing',
      checked: 20,
    });
  });

  it('exits 1 naming the edited entry when a payload is edited and its own hashes recomputed', async () => {
    for (const tree of [false, true]) {
      const db = await fresh();
      await rewritePayload(db, 7, '{"amount":1000000}', { tree });
      const run = await verify(db, '--pubkey', verifierKey, '--witness', witnessDir);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^TAMPERED {2}first bad seq 7: entry 7 was rewritten with its hashes recomputed/,
      );
    }
  });

  it('says what VALID does not cover, and where a key comes from, when given no trust material', async () => {
    const db = await fresh();
    const run = await verify(db);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/trust: chain only: nothing outside the database was checked/);
    expect(run.stdout).toMatch(/NOT covered: checkpoint signatures were not checked/);
    expect(run.stdout).toMatch(/NOT covered: without a witness/);
    expect(run.stdout).toMatch(/unwitnessed tail: 20 entries after no trusted checkpoint, since /);
    expect(run.stdout).toMatch(
      /hint: signatures were NOT checked \(no --pubkey\)\. Export the checkpoint key where it lives: `bulwark keys export-public ledger-checkpoint --out keyring\.json`/,
    );
    const json = JSON.parse((await verify(db, '--pubkey', verifierKey, '--format', 'json')).stdout);
    expect(json).toMatchObject({
      valid: true,
      trust: { level: 'signed', origin: ORIGIN, signaturesChecked: true },
      unwitnessedTail: { after: 'signed checkpoint', afterSize: 20, entries: 0 },
    });
    expect(json.hints).toEqual([expect.stringMatching(/^no witness was consulted/)]);
  });
});
