import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  asSuperuserWithoutTriggers,
  createTestDatabase,
  postgres,
} from '../../ledger/test/helpers/postgres.js';
import { runCli } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-ledger-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bulwark = runCli;

describe('bulwark ledger', () => {
  it('exits 2 with a one-line cause for usage and connection errors', async () => {
    const missing = await bulwark(['ledger', 'verify', '--db', join(work, 'nothing-here')]);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/neither a postgres:\/\/ URL nor a PGlite data directory\n$/),
    });
    const refused = await bulwark([
      'ledger',
      'verify',
      '--db',
      'postgres://nobody:secret@127.0.0.1:1/x',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cannot open the ledger at postgres:\/\/127\.0\.0\.1:1\/x/);
    expect(refused.stderr).not.toMatch(/secret/);
    expect(
      (
        await bulwark([
          'ledger',
          'append',
          '--db',
          join(work, 'x'),
          '--stream',
          's',
          '--kind',
          'k',
          '--actor',
          'a',
          '--payload',
          '{nope',
        ])
      ).code,
    ).toBe(2);
    expect((await bulwark(['ledger', 'verify'])).code).toBe(2);
    const malformed = await bulwark(['ledger', 'verify', '--db', 'postgres://u:secret@[x/db']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^bulwark: cannot open the ledger at postgres:\/\/\[x\/db: /);
    expect(malformed.stderr).not.toMatch(/secret/);
    const backwards = await bulwark([
      'ledger',
      'verify',
      '--db',
      join(work, 'x'),
      '--mode',
      'range',
      '--from',
      '5',
      '--to',
      '2',
    ]);
    expect(backwards).toMatchObject({ code: 2, stderr: 'bulwark: --from 5 is after --to 2\n' });
  });

  it('appends, proves and verifies a PGlite ledger offline', async () => {
    const db = join(work, 'pglite');
    for (let i = 0; i < 3; i++) {
      const r = await bulwark([
        'ledger',
        'append',
        '--db',
        db,
        '--stream',
        'demo',
        '--kind',
        'note',
        '--actor',
        'cli',
        '--payload',
        `{"i":${i}}`,
      ]);
      expect(r).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(new RegExp(`^appended seq ${i + 1} [0-9a-f]{64}\\n$`)),
      });
    }
    const proof = await bulwark(['ledger', 'proof', 'inclusion', '--db', db, '--seq', '2']);
    expect(JSON.parse(proof.stdout)).toMatchObject({ seq: 2, treeSize: 3 });
    const report = await bulwark(['ledger', 'verify', '--db', db, '--format', 'json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ valid: true, checked: 3, head: 3 });
  });

  describe.skipIf(!postgres.available)('on PostgreSQL', () => {
    it('checkpoints with a file key, then exits 1 naming the first bad seq once a row is tampered with', async () => {
      const database = await createTestDatabase('cli');
      const witnessDb = await createTestDatabase('cli_witness');
      try {
        const keys = { BULWARK_KEYS_DIR: join(work, 'keys') };
        expect((await bulwark(['keys', 'init', 'ledger-checkpoint'], keys)).code).toBe(0);
        expect(
          (await bulwark(['keys', 'export-public', '--out', join(work, 'keyring.json')], keys))
            .code,
        ).toBe(0);
        for (let i = 0; i < 5; i++) {
          await bulwark([
            'ledger',
            'append',
            '--db',
            database.url,
            '--stream',
            's',
            '--kind',
            'k',
            '--actor',
            'a',
            '--payload',
            `[${i}]`,
          ]);
        }
        const witness = join(work, 'witness');
        const witnessArgs = ['--witness', witness, '--witness', witnessDb.url];
        const signed = await bulwark(
          [
            'ledger',
            'checkpoint',
            '--db',
            database.url,
            ...witnessArgs,
            '--origin',
            'cli.test/log',
          ],
          keys,
        );
        expect(signed.code).toBe(0);
        expect(signed.stdout).toMatch(/^cli\.test\/log\n5\n/);
        const verifyArgs = [
          'ledger',
          'verify',
          '--db',
          database.url,
          '--pubkey',
          join(work, 'keyring.json'),
          // A keyring's keys name no origin: the verifier says which log it means.
          '--origin',
          'cli.test/log',
          ...witnessArgs,
        ];
        const good = await bulwark(verifyArgs);
        expect(good).toMatchObject({
          code: 0,
          stdout: expect.stringMatching(/^VALID {2}6 entries verified/),
        });
        // The database checkpoint plus one copy in each witness.
        expect(good.stdout).toMatch(/checkpoints compared: 3; signatures checked/);
        expect(good.stdout).not.toMatch(/postgres:\/\/postgres@/);

        await asSuperuserWithoutTriggers(database.url, (c) =>
          c.query(`UPDATE ledger_entries SET payload = '[99]' WHERE seq = 2`),
        );
        const bad = await bulwark(verifyArgs);
        expect(bad.code).toBe(1);
        expect(bad.stdout).toMatch(
          /TAMPERED {2}first bad seq 2: entry 2: the payload does not match its payload hash/,
        );
      } finally {
        await database.drop();
        await witnessDb.drop();
      }
    });
  });
});
