import { type PrivateServer, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareFigures,
  type DatabaseFigures,
  databaseFigures,
  listRelations,
  type RelationFigures,
  rowChecksumSql,
} from '../src/checks/drill/restore-checksums.js';
import { PgSession, urlTarget } from '../src/checks/drill/restore-sql.js';
import { postgresPart, sql, withDatabase } from './restore-fixtures.js';

const part = postgresPart();

async function figuresOf(url: string): Promise<DatabaseFigures> {
  const signal = new AbortController().signal;
  const sessions = [
    await PgSession.open(urlTarget(url), signal),
    await PgSession.open(urlTarget(url), signal),
  ];
  try {
    return await databaseFigures(sessions, await listRelations(sessions[0] as PgSession));
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

describe.skipIf(!part.available)('the restore drill compares table by table', () => {
  let server: PrivateServer;
  let source: string;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    await sql(server.url, 'CREATE DATABASE source');
    source = withDatabase(server.url, 'source');
    await sql(
      source,
      `CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL,
         opened timestamptz NOT NULL, tags text[], doc jsonb, ratio float8);
       INSERT INTO accounts (owner, balance, opened, tags, doc, ratio)
         SELECT 'owner ' || i, i * 10.5, timestamptz '2025-01-01 00:00+02' + i * interval '1 hour',
                ARRAY['a', 'b' || i], jsonb_build_object('n', i), i / 7.0
           FROM generate_series(1, 5000) AS i;
       CREATE TABLE pairs (k int, v text);
       INSERT INTO pairs VALUES (1, 'x'), (2, 'y');
       CREATE TABLE notes (id int PRIMARY KEY, body text);
       INSERT INTO notes SELECT i, repeat('n', i) FROM generate_series(1, 300) AS i;`,
    );
  }, 120_000);

  afterAll(async () => {
    await server?.remove();
  });

  /** An exact copy of the source (a template copy), then changed by `tamper`. */
  async function copyOf(name: string, tamper: string): Promise<string> {
    await sql(server.url, `CREATE DATABASE ${name} TEMPLATE source`);
    const url = withDatabase(server.url, name);
    if (tamper) await sql(url, tamper);
    return url;
  }

  it("finds nothing between the source and an exact copy, whatever the copy's row order", async () => {
    const copy = await copyOf(
      'reordered',
      // Same rows, another physical order: a restore need not keep the source's.
      `CREATE TABLE shuffled AS SELECT * FROM accounts ORDER BY random();
       ALTER SEQUENCE accounts_id_seq OWNED BY NONE;
       DROP TABLE accounts; ALTER TABLE shuffled RENAME TO accounts;`,
    );
    const [original] = await sql<{ rows: string; checksum: string }>(
      source,
      rowChecksumSql('public.accounts'),
    );
    const [shuffled] = await sql<{ rows: string; checksum: string }>(
      copy,
      rowChecksumSql('public.accounts'),
    );
    expect(shuffled).toEqual(original);
    expect(
      compareFigures(await figuresOf(source), await figuresOf(copy), { physical: false }),
    ).toEqual([]);
  });

  it('catches one changed value, a lost row, swapped values, a sequence set back and an extra table', async () => {
    const copy = await copyOf(
      'tampered',
      `UPDATE accounts SET balance = balance + 0.01 WHERE id = 4321;
       DELETE FROM notes WHERE id = 17;
       UPDATE pairs SET v = CASE k WHEN 1 THEN 'y' ELSE 'x' END;
       SELECT setval('accounts_id_seq', 10);
       CREATE TABLE stray (x int);`,
    );
    const source_ = await figuresOf(source);
    const tampered = await figuresOf(copy);
    const differences = compareFigures(source_, tampered, { physical: false });
    const byRelation = new Map(differences.map((d) => [d.relation, d.problem]));
    expect([...byRelation.keys()].sort()).toEqual([
      'public.accounts',
      'public.accounts_id_seq',
      'public.notes',
      'public.pairs',
      'public.stray',
    ]);
    expect(byRelation.get('public.accounts')).toMatch(
      /^same 5000 rows, different content \(checksum /,
    );
    expect(byRelation.get('public.notes')).toBe('300 rows in the source, 299 restored');
    expect(byRelation.get('public.pairs')).toMatch(/^same 2 rows, different content/);
    expect(byRelation.get('public.accounts_id_seq')).toBe(
      'next value 11 restored, 5001 in the source: behind, so new rows would reuse keys',
    );
    expect(byRelation.get('public.stray')).toBe('not in the source');
  });
});

describe('comparison rules for a physical restore', () => {
  const table = (rows: number, checksum: string, unlogged = false): RelationFigures => ({
    relation: 'public.t',
    kind: 'table',
    unlogged,
    rows,
    checksum,
  });
  const sequence = (next: string, increment = '1'): RelationFigures => ({
    relation: 'public.s',
    kind: 'sequence',
    unlogged: false,
    rows: 1,
    checksum: `${next}:x`,
    next,
    increment,
  });

  it('accepts an unlogged table that came back empty, and nothing else in it', () => {
    const source = new Map([['public.t', table(5, '42', true)]]);
    expect(
      compareFigures(source, new Map([['public.t', table(0, '0', true)]]), { physical: true }),
    ).toEqual([]);
    expect(
      compareFigures(source, new Map([['public.t', table(5, '42', true)]]), { physical: true }),
    ).toEqual([
      {
        relation: 'public.t',
        problem: 'unlogged, so empty after a physical restore, yet 5 rows came back',
      },
    ]);
    // A dump carries unlogged tables' rows: there they must match.
    expect(
      compareFigures(source, new Map([['public.t', table(0, '0', true)]]), { physical: false }),
    ).toEqual([{ relation: 'public.t', problem: '5 rows in the source, 0 restored' }]);
  });

  it('accepts a sequence ahead of the source (recovery resumes from its logged value), never behind', () => {
    const source = new Map([['public.s', sequence('100')]]);
    expect(
      compareFigures(source, new Map([['public.s', sequence('132')]]), { physical: true }),
    ).toEqual([]);
    expect(
      compareFigures(source, new Map([['public.s', sequence('132')]]), { physical: false }),
    ).toHaveLength(1);
    expect(
      compareFigures(source, new Map([['public.s', sequence('99')]]), { physical: true })[0]
        ?.problem,
    ).toMatch(/behind/);
    // Descending sequences are ahead when lower.
    const down = new Map([['public.s', sequence('-100', '-1')]]);
    expect(
      compareFigures(down, new Map([['public.s', sequence('-132', '-1')]]), { physical: true }),
    ).toEqual([]);
    expect(
      compareFigures(down, new Map([['public.s', sequence('-90', '-1')]]), { physical: true }),
    ).toHaveLength(1);
  });
});
