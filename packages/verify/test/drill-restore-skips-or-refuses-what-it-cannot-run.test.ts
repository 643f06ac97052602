import { freePort } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { PlanError, parsePlan } from '../src/plan/load.js';
import { pgbackrestPart, runRestoreDrill } from './restore-fixtures.js';

const PG = { name: 'main', url: 'postgres://app@127.0.0.1:5432/app' };

describe('drill.restore without what it needs', () => {
  it.each([
    [{ rtoMs: 1000 }, [], 'environment dev lists no PostgreSQL database to back up'],
    [{ rtoMs: 1000, database: 'orders' }, [PG], 'environment dev lists no database orders'],
    [
      { rtoMs: 1000 },
      [{ name: 'embedded', url: './data/ledger' }],
      'environment dev lists no PostgreSQL database to back up',
    ],
    [
      { rtoMs: 1000, database: 'embedded' },
      [{ name: 'embedded', url: './data/ledger' }],
      'database embedded is not a postgres:// URL: only PostgreSQL is backed up and restored',
    ],
    [
      { rtoMs: 1000 },
      [PG, { ...PG, name: 'audit' }],
      'environment dev lists 2 PostgreSQL databases (main, audit): name one with database',
    ],
    [
      { rtoMs: 1000, restoreInto: 'scratch' },
      [PG],
      'environment dev lists no PostgreSQL database scratch to restore into',
    ],
  ])('skips %j with databases %j', async (params, databases, reason) => {
    const outcome = await runRestoreDrill(params, { databases });
    expect(outcome).toMatchObject({ status: 'skip', reason });
  });

  it.each([
    [
      { rtoMs: 1000, method: 'pgbackrest' },
      'method pgbackrest needs the pgbackrest parameters (at least its stanza)',
    ],
    [
      { rtoMs: 1000, method: 'pgbackrest', backup: 'x.dump', pgbackrest: { stanza: 'main' } },
      'backup belong to method pg_dump, not pgbackrest',
    ],
    [
      { rtoMs: 1000, method: 'pgbackrest', rpoMs: 1000, pgbackrest: { stanza: 'main' } },
      'rpoMs is measured on the source database: name it with database',
    ],
    [
      { rtoMs: 1000, pgbackrest: { stanza: 'main' } },
      'pgbackrest parameters were given but method is pg_dump',
    ],
    [
      { rtoMs: 1000, rpoMs: 1000 },
      'rpoMs needs archived WAL: use method pgbackrest (a dump has no recovery point to measure)',
    ],
    [
      { rtoMs: 1000, maxBackupAge: '24h' },
      'maxBackupAge ages an existing backup: give backup (a dump file or directory), or use method pgbackrest',
    ],
    [
      { rtoMs: 1000, ledgerPubkey: '/nonexistent/ledger.pub' },
      'cannot read ledgerPubkey /nonexistent/ledger.pub: ENOENT',
    ],
  ])('refuses %j as misconfigured', async (params, reason) => {
    const outcome = await runRestoreDrill(params, { databases: [PG] });
    expect(outcome).toMatchObject({ status: 'error', reason });
  });

  it('fails, without throwing or showing the password, when the database cannot be reached', async () => {
    const port = await freePort();
    const url = `postgres://app:hunter2@127.0.0.1:${port}/app`;
    const outcome = await runRestoreDrill({ rtoMs: 1000 }, { databases: [{ name: 'main', url }] });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      new RegExp(`^cannot connect to postgres://127\\.0\\.0\\.1:${port}/app: `),
    );
    expect(JSON.stringify(outcome)).not.toContain('hunter2');
  });

  it('fails when the dump the plan names does not exist', async () => {
    const port = await freePort();
    const outcome = await runRestoreDrill(
      { rtoMs: 1000, backup: '/nonexistent/nightly.dump' },
      { databases: [{ name: 'main', url: `postgres://app@127.0.0.1:${port}/app` }] },
    );
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: 'backup /nonexistent/nightly.dump: ENOENT',
    });
  });
});

describe.skipIf(!pgbackrestPart().available)(
  'drill.restore with a pgBackRest it cannot use',
  () => {
    it("fails naming pgBackRest's own error", async () => {
      const outcome = await runRestoreDrill({
        method: 'pgbackrest',
        rtoMs: 1000,
        pgbackrest: { stanza: 'main', config: '/nonexistent/pgbackrest.conf' },
      });
      expect(outcome.status).toBe('fail');
      expect(outcome.summary).toMatch(
        /^pgbackrest exited with code \d+: .*nonexistent\/pgbackrest\.conf/,
      );
    });

    it('fails when the pgbackrest command is not there', async () => {
      const outcome = await runRestoreDrill({
        method: 'pgbackrest',
        rtoMs: 1000,
        pgbackrest: { stanza: 'main', command: '/nonexistent/pgbackrest' },
      });
      expect(outcome).toMatchObject({
        status: 'fail',
        summary: '/nonexistent/pgbackrest not found (is it installed and on PATH?)',
      });
    });
  },
);

describe('drill.restore parameters in a plan', () => {
  const plan = (withText: string) => `format: bulwark.plan/v1
name: p
environments:
  prod:
    databases: [{ name: main, url: "postgres://app@db/app" }]
criteria:
  - id: restore
    text: Restore drill from backup completes in under target RTO
    checks:
      - check: drill.restore
        with: ${withText}
`;

  it('accepts both methods with their parameters and fills in the defaults', () => {
    const loaded = parsePlan(
      plan(
        '{ method: pgbackrest, rtoMs: 3600000, rpoMs: 900000, maxBackupAge: 24h, database: main, pgbackrest: { stanza: main, newBackup: incr, target: { type: time, value: "2026-01-02T03:04:05Z" } } }',
      ),
      'plan.yaml',
      defaultRegistry(),
      {},
    );
    expect(loaded.criteria[0]?.checks?.[0]?.with).toMatchObject({
      method: 'pgbackrest',
      jobs: 2,
      pgbackrest: { stanza: 'main', command: 'pgbackrest', settings: { shared_buffers: '128MB' } },
    });
    const dump = parsePlan(plan('{ rtoMs: 3600000 }'), 'plan.yaml', defaultRegistry(), {});
    expect(dump.criteria[0]?.checks?.[0]?.with).toMatchObject({
      method: 'pg_dump',
      rtoMs: 3600000,
    });
  });

  it.each([
    ['{ maxBackupAge: 24h }', /rtoMs/],
    ['{ rtoMs: 1000, maxBackupAge: "one day" }', /maxBackupAge/],
    ['{ rtoMs: 1000, method: barman }', /method/],
    [
      '{ rtoMs: 1000, method: pgbackrest, pgbackrest: { stanza: main, target: { type: time } } }',
      /target/,
    ],
    ['{ rtoMs: 1000, compress: 12 }', /compress/],
  ])('refuses %s when the plan is loaded', (withText, where) => {
    expect(() => parsePlan(plan(withText), 'plan.yaml', defaultRegistry(), {})).toThrow(PlanError);
    expect(() => parsePlan(plan(withText), 'plan.yaml', defaultRegistry(), {})).toThrow(where);
  });
});
