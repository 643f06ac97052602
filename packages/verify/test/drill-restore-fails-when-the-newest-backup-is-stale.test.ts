import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrivateServer, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  leftovers,
  pgbackrestPart,
  postgresPart,
  runRestoreDrill,
  type Stanza,
  scratchDatabases,
  sharedTempDir,
  sql,
  startStanza,
} from './restore-fixtures.js';

const DAY = 86_400_000;

describe.skipIf(!postgresPart().available)('drill.restore ages an existing dump', () => {
  let server: PrivateServer;
  let url: string;
  let dumps: string;
  let workDir: string;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    url = await createDatabase(server, 'shop');
    await sql(
      url,
      'CREATE TABLE items AS SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 2000) AS g',
    );
    dumps = mkdtempSync(join(tmpdir(), 'bulwark-dumps-'));
    workDir = sharedTempDir('bulwark-restore-stale-');
    for (const name of ['monday.dump', 'tuesday.dump']) {
      execFileSync('pg_dump', [
        '--format=custom',
        `--file=${join(dumps, name)}`,
        `--dbname=${url}`,
      ]);
    }
    const now = Date.now() / 1000;
    utimesSync(join(dumps, 'monday.dump'), now - 4 * 86_400, now - 4 * 86_400);
    utimesSync(join(dumps, 'tuesday.dump'), now - 3 * 86_400, now - 3 * 86_400);
  }, 60_000);

  afterAll(async () => {
    await server?.remove();
    for (const dir of [dumps, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fails when the newest dump is older than maxBackupAge, and still restores it', async () => {
    const outcome = await runRestoreDrill(
      { backup: dumps, maxBackupAge: '24h', rtoMs: 120_000, workDir },
      { databases: [{ name: 'shop', url }] },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^newest backup 3d 0h old \(over the 24h limit\); restored .* from dump tuesday\.dump /,
    );
    expect(outcome.measurements?.backupAgeMs as number).toBeGreaterThanOrEqual(3 * DAY);
    expect(outcome.measurements?.maxBackupAgeMs).toBe(DAY);
    // It restored the newest dump all the same: the evidence says whether the backup restores.
    expect(outcome.measurements).toMatchObject({ tables: 1, rows: 2000, compared: false });
    expect(await scratchDatabases(server)).toEqual([]);
    expect(leftovers(workDir)).toEqual([]);
  });

  it('passes a dump within maxBackupAge', async () => {
    const outcome = await runRestoreDrill(
      { backup: join(dumps, 'tuesday.dump'), maxBackupAge: '7d', rtoMs: 120_000, workDir },
      { databases: [{ name: 'shop', url }] },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /^restored .* from dump tuesday\.dump .* verified 1 table read \(not compared with the source\)/,
    );
  });

  it("fails on a dump that does not restore, naming pg_restore's error", async () => {
    const broken = join(dumps, 'broken');
    execFileSync('mkdir', ['-p', broken]);
    execFileSync('bash', [
      '-c',
      `head -c 4096 ${join(dumps, 'tuesday.dump')} > ${join(broken, 'cut.dump')}`,
    ]);
    const outcome = await runRestoreDrill(
      { backup: join(broken, 'cut.dump'), rtoMs: 120_000, workDir },
      { databases: [{ name: 'shop', url }] },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^pg_restore exited with code 1: /);
    expect(await scratchDatabases(server)).toEqual([]);
    expect(leftovers(workDir)).toEqual([]);
  });
});

const pitrReady = postgresPart().available && pgbackrestPart().available;

describe.skipIf(!pitrReady)('drill.restore ages the newest pgBackRest backup', () => {
  let stanza: Stanza;
  let workDir: string;

  beforeAll(async () => {
    stanza = await startStanza();
    workDir = sharedTempDir('bulwark-restore-stale-pgbr-');
    await stanza.run('backup', '--type=full');
  }, 120_000);

  afterAll(async () => {
    await stanza?.remove();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('fails when the newest backup is older than maxBackupAge, even though the drill takes a fresh one', async () => {
    const outcome = await runRestoreDrill(
      {
        method: 'pgbackrest',
        maxBackupAge: '1h',
        rtoMs: 300_000,
        workDir,
        pgbackrest: { ...stanza.params, newBackup: 'incr' },
      },
      // Two hours on: the backup the test took is now two hours old.
      { now: new Date(Date.now() + 2 * 3_600_000) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^newest backup 2h 0m old \(over the 1h limit\); restored .* from pgBackRest backup \S+ \(incr\)/,
    );
    expect(outcome.measurements?.backupMs).toBeTypeOf('number');
    expect(leftovers(workDir)).toEqual([]);
  }, 240_000);

  it('passes when the newest backup is within maxBackupAge', async () => {
    const outcome = await runRestoreDrill({
      method: 'pgbackrest',
      maxBackupAge: '1h',
      rtoMs: 300_000,
      workDir,
      pgbackrest: stanza.params,
    });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements?.target).toBe('the end of the backup (immediate)');
    expect(outcome.measurements?.backupAgeMs as number).toBeLessThan(3_600_000);
    expect(leftovers(workDir)).toEqual([]);
  }, 240_000);
});
