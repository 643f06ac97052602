import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type PrivateServer, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../src/checks/check.js';
import {
  createDatabase,
  leftovers,
  pgbackrestPart,
  postgresPart,
  processesMentioning,
  runRestoreDrill,
  type Stanza,
  scratchDatabases,
  sharedTempDir,
  sql,
  startStanza,
} from './restore-fixtures.js';

/** Runs the drill and aborts it (as Ctrl-C does) `delayMs` after a progress message starting with `when`. */
async function interrupted(
  params: Record<string, unknown>,
  databases: { name: string; url: string }[],
  when: string,
  delayMs: number,
): Promise<{ outcome: CheckOutcome; progress: string[] }> {
  const controller = new AbortController();
  const progress: string[] = [];
  const outcome = await runRestoreDrill(params, {
    databases,
    signal: controller.signal,
    progress: (message) => {
      progress.push(message);
      if (message.startsWith(when)) setTimeout(() => controller.abort(), delayMs);
    },
  });
  return { outcome, progress };
}

describe.skipIf(!postgresPart().available)('an interrupted pg_dump restore drill', () => {
  let server: PrivateServer;
  let url: string;
  let workDir: string;

  beforeAll(async () => {
    server = await startPrivatePostgres({
      settings: { wal_level: 'minimal', max_wal_senders: 0, synchronous_commit: 'off' },
    });
    url = await createDatabase(server, 'big');
    // About 200 MB: long enough to be mid-restore when the abort comes.
    await sql(
      url,
      `BEGIN;
       CREATE TABLE rows (id bigint PRIMARY KEY, body text NOT NULL);
       INSERT INTO rows SELECT g, repeat(md5(g::text), 24) FROM generate_series(1, 250000) AS g;
       COMMIT;`,
    );
    workDir = sharedTempDir('bulwark-restore-abort-');
  }, 120_000);

  afterAll(async () => {
    await server?.remove();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function expectNothingLeft(): Promise<void> {
    expect(await scratchDatabases(server)).toEqual([]);
    expect(leftovers(workDir)).toEqual([]);
    expect(await processesMentioning(workDir)).toEqual([]);
    // No session of the drill is left on the server (a snapshot holder, a checksum query).
    const sessions = await sql<{ n: number }>(
      server.url,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'bulwark-restore-drill'",
    );
    expect(sessions[0]?.n).toBe(0);
  }

  it('stops pg_restore, drops the scratch database and removes the dump when aborted mid-restore', async () => {
    const { outcome, progress } = await interrupted(
      { rtoMs: 120_000, workDir, compress: 0 },
      [{ name: 'big', url }],
      'pg_restore into',
      300,
    );
    expect(outcome.status).toBe('skip');
    expect(outcome.reason).toMatch(/aborted/);
    expect(progress.at(-1)).toMatch(/^pg_restore into bulwark_restore_/);
    await expectNothingLeft();
  });

  it('stops pg_dump and releases the source snapshot when aborted mid-dump', async () => {
    const { outcome, progress } = await interrupted(
      { rtoMs: 120_000, workDir },
      [{ name: 'big', url }],
      'pg_dump of',
      300,
    );
    expect(outcome.status).toBe('skip');
    expect(progress.at(-1)).toMatch(/^pg_dump of /);
    await expectNothingLeft();
  });

  it('fails at its deadline (timeoutMs) and cleans up the same way', async () => {
    const outcome = await runRestoreDrill(
      { rtoMs: 1_000, timeoutMs: 1_500, workDir },
      { databases: [{ name: 'big', url }] },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('the drill did not finish within its 1.5 s deadline (timeoutMs)');
    await expectNothingLeft();
  });
});

const pitrReady = postgresPart().available && pgbackrestPart().available;

describe.skipIf(!pitrReady)('an interrupted pgBackRest restore drill', () => {
  let stanza: Stanza;
  let workDir: string;

  beforeAll(async () => {
    stanza = await startStanza();
    workDir = sharedTempDir('bulwark-restore-abort-pgbr-');
    await stanza.run('backup', '--type=full');
  }, 120_000);

  afterAll(async () => {
    await stanza?.remove();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('stops the scratch server and deletes its data directory when aborted while it starts', async () => {
    const { outcome, progress } = await interrupted(
      { method: 'pgbackrest', rtoMs: 300_000, workDir, pgbackrest: stanza.params },
      [],
      'starting the scratch server',
      150,
    );
    expect(outcome.status).toBe('skip');
    expect(progress.at(-1)).toBe('starting the scratch server (WAL replay)');
    expect(leftovers(workDir)).toEqual([]);
    expect(await processesMentioning(workDir)).toEqual([]);
  }, 120_000);

  it('stops pgbackrest restore and deletes what it wrote when aborted mid-restore', async () => {
    const { outcome } = await interrupted(
      { method: 'pgbackrest', rtoMs: 300_000, workDir, pgbackrest: stanza.params },
      [],
      'pgbackrest restore',
      200,
    );
    expect(outcome.status).toBe('skip');
    // pgbackrest gets SIGTERM; give the kernel a moment to reap what it forked.
    await sleep(200);
    expect(leftovers(workDir)).toEqual([]);
    expect(await processesMentioning(workDir)).toEqual([]);
  }, 120_000);
});
