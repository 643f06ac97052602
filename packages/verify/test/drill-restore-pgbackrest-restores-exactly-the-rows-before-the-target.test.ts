import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowChecksumSql } from '../src/checks/drill/restore-checksums.js';
import {
  createDatabase,
  figuresOf,
  leftovers,
  pgbackrestPart,
  postgresPart,
  processesMentioning,
  runRestoreDrill,
  type Stanza,
  sharedTempDir,
  sql,
  startStanza,
} from './restore-fixtures.js';

const ready = postgresPart().available && pgbackrestPart().available;

describe.skipIf(!ready)('drill.restore with pgBackRest point-in-time recovery', () => {
  let stanza: Stanza;
  let url: string;
  let workDir: string;
  let pointName: string;
  let pointTime: string;
  let batchA: { rows: string; checksum: string };

  beforeAll(async () => {
    stanza = await startStanza();
    url = await createDatabase(stanza.server, 'shop');
    workDir = sharedTempDir('bulwark-restore-pitr-');
    await sql(
      url,
      'CREATE TABLE batches (id serial PRIMARY KEY, batch text NOT NULL, payload text NOT NULL)',
    );
    await stanza.run('backup', '--type=full');
    // pgBackRest picks the backup for a time target by its stop time, kept in whole seconds.
    await sleep(1500);
    // Batch A in several transactions, then the point, then batch B.
    for (let i = 0; i < 5; i++) {
      await sql(
        url,
        `INSERT INTO batches (batch, payload) SELECT 'A', md5(g::text) FROM generate_series(1, 100) AS g`,
      );
    }
    await sleep(300);
    pointName = 'between_a_and_b';
    const [point] = await sql<{ at: Date }>(
      url,
      'SELECT clock_timestamp() AS at FROM pg_create_restore_point($1)',
      [pointName],
    );
    if (!point) throw new Error('no restore point');
    pointTime = point.at.toISOString();
    await sleep(300);
    for (let i = 0; i < 3; i++) {
      await sql(
        url,
        `INSERT INTO batches (batch, payload) SELECT 'B', md5(g::text) FROM generate_series(1, 100) AS g`,
      );
    }
    // What exactly batch A is: the figures the restored table must have.
    [batchA] = (await sql<{ rows: string; checksum: string }>(
      url,
      rowChecksumSql(`(SELECT * FROM public.batches WHERE batch = 'A')`),
    )) as [{ rows: string; checksum: string }];
    expect(batchA.rows).toBe('500');
    // The target's WAL must reach the repository before anything can restore to it.
    await stanza.run('check');
  }, 180_000);

  afterAll(async () => {
    await stanza?.remove();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function restoredBatches(target: Record<string, string>) {
    const outcome = await runRestoreDrill(
      { method: 'pgbackrest', rtoMs: 300_000, workDir, pgbackrest: { ...stanza.params, target } },
      { databases: [{ name: 'shop', url }] },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    const restored = figuresOf(outcome).databases.find((d) => d.name === 'shop');
    return { outcome, batches: restored?.relations.find((r) => r.relation === 'public.batches') };
  }

  it('restores to a named restore point between two batches: exactly batch A, none of batch B', async () => {
    const { outcome, batches } = await restoredBatches({ type: 'name', value: pointName });
    expect(batches).toMatchObject({ rows: 500, checksum: batchA.checksum });
    expect(outcome.measurements?.target).toBe(`restore point ${pointName}`);
    expect(outcome.measurements?.compared).toBe(false);
    expect(outcome.summary).toMatch(/started in .*RTO .* \(limit 300\.0 s\)$/);
    expect(leftovers(workDir)).toEqual([]);
  }, 180_000);

  it('restores to a time between two batches: exactly batch A', async () => {
    const { batches } = await restoredBatches({ type: 'time', value: pointTime });
    expect(batches).toMatchObject({ rows: 500, checksum: batchA.checksum });
    expect(leftovers(workDir)).toEqual([]);
  }, 180_000);

  it('pins its own restore point to a snapshot of a source taking writes, and the copy matches it row for row', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await sql(url, `INSERT INTO batches (batch, payload) VALUES ('C', 'during the drill')`);
        written += 1;
        await sleep(15);
      }
    })();
    try {
      const outcome = await runRestoreDrill(
        {
          method: 'pgbackrest',
          rtoMs: 300_000,
          rpoMs: 600_000,
          database: 'shop',
          workDir,
          pgbackrest: { ...stanza.params, newBackup: 'incr' },
        },
        { databases: [{ name: 'shop', url }] },
      );
      expect(outcome.status, outcome.summary).toBe('pass');
      expect(outcome.measurements).toMatchObject({
        compared: true,
        differences: 0,
        method: 'pgbackrest',
      });
      expect(String(outcome.measurements?.target)).toMatch(
        /^restore point bulwark_drill_[0-9a-f]{12} \(/,
      );
      expect(outcome.measurements?.rpoMs).toBeTypeOf('number');
      expect(outcome.measurements?.backupMs).toBeTypeOf('number');
      expect(outcome.summary).toMatch(/, RPO /);
    } finally {
      writing = false;
      await writer;
    }
    expect(written).toBeGreaterThan(0);
    expect(leftovers(workDir)).toEqual([]);
    expect(await processesMentioning(workDir)).toEqual([]);
  }, 240_000);
});
