import type { PgSession } from './restore-sql.js';
import { quoteIdent } from './restore-sql.js';

/**
 * Row counts and per-table checksums, and their comparison between a source and its restored
 * copy. The checksum of a table is the sum, as an exact numeric, of the first 64 bits of the MD5
 * of each row's text (`ROW(r.*)::text`). A sum is a multiset hash: it does not depend on the
 * order the rows come back in (a restored heap need not keep the source's physical order; pg_dump
 * may even start a COPY mid-table with synchronized scans), so it needs no sort and no memory
 * beyond one row, streams in one sequential scan, and runs as a parallel aggregate. It detects
 * any change to any row (a changed, missing, extra or duplicated row moves the sum) except with
 * probability about 2^-64: this guards against a restore that lost or mangled data, not an
 * adversary crafting collisions (the ledger verifier covers tampering). A string aggregate of
 * the ordered rows, the other common method, would sort every table and hit PostgreSQL's 1 GB
 * limit on one value.
 */
export interface RelationRef {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'sequence';
  /** Unlogged tables are empty after a physical restore (PostgreSQL resets them). */
  readonly unlogged: boolean;
  /** Heap size, to start the largest tables first. */
  readonly bytes: number;
  /** Sequences: the increment, which says which way "ahead" is. */
  readonly increment?: string;
}

export interface RelationFigures {
  readonly relation: string;
  readonly kind: 'table' | 'sequence';
  readonly unlogged: boolean;
  /** Tables: the row count; sequences: 1. */
  readonly rows: number;
  /** Tables: the row checksum; sequences: `last_value:is_called`. */
  readonly checksum: string;
  /** Sequences: the value the next nextval() returns, to compare positions. */
  readonly next?: string;
  readonly increment?: string;
}

export type DatabaseFigures = ReadonlyMap<string, RelationFigures>;

export interface FigureDifference {
  readonly relation: string;
  readonly problem: string;
}

/** Ordinary tables and sequences a dump or a physical backup carries, largest first. */
const LIST_RELATIONS = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relpersistence = 'u' AS unlogged, pg_relation_size(c.oid)::text AS bytes,
       s.seqincrement::text AS increment
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
 WHERE c.relkind IN ('r', 'S')
   AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%'
   AND n.nspname NOT LIKE 'pg\\_temp\\_%'
   -- An extension's own tables come from its install script, not from the dump.
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY pg_relation_size(c.oid) DESC, n.nspname, c.relname`;

export async function listRelations(session: PgSession): Promise<RelationRef[]> {
  const rows = await session.query<{
    schema: string;
    name: string;
    kind: string;
    unlogged: boolean;
    bytes: string;
    increment: string | null;
  }>(LIST_RELATIONS);
  return rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    kind: row.kind === 'S' ? 'sequence' : 'table',
    unlogged: row.unlogged,
    bytes: Number(row.bytes),
    ...(row.increment === null ? {} : { increment: row.increment }),
  }));
}

/**
 * The count and checksum of the rows of `from`: a quoted relation, or a parenthesized query
 * (a test computes what a table should hold that way).
 */
export function rowChecksumSql(from: string): string {
  return `SELECT count(*)::text AS rows,
       coalesce(sum(('x' || left(md5(ROW(r.*)::text), 16))::bit(64)::bigint), 0)::text AS checksum
  FROM ${from} AS r`;
}

export function relationName(ref: Pick<RelationRef, 'schema' | 'name'>): string {
  return `${ref.schema}.${ref.name}`;
}

async function figuresOf(session: PgSession, ref: RelationRef): Promise<RelationFigures> {
  const from = `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`;
  const relation = relationName(ref);
  if (ref.kind === 'sequence') {
    const [row] = await session.query<{ last: string; called: boolean; next: string }>(
      `SELECT last_value::text AS last, is_called AS called,
              (last_value::numeric + CASE WHEN is_called THEN $1::numeric ELSE 0 END)::text AS next
         FROM ${from}`,
      [ref.increment ?? '1'],
    );
    return {
      relation,
      kind: 'sequence',
      unlogged: ref.unlogged,
      rows: 1,
      checksum: `${row?.last}:${row?.called}`,
      next: row?.next ?? '0',
      increment: ref.increment ?? '1',
    };
  }
  const [row] = await session.query<{ rows: string; checksum: string }>(rowChecksumSql(from));
  return {
    relation,
    kind: 'table',
    unlogged: ref.unlogged,
    rows: Number(row?.rows ?? 0),
    checksum: row?.checksum ?? '0',
  };
}

/**
 * Figures of every relation, spread over the sessions (each takes the next relation when it is
 * free, the largest first), so several tables are read at once.
 */
export async function databaseFigures(
  sessions: readonly PgSession[],
  relations: readonly RelationRef[],
): Promise<Map<string, RelationFigures>> {
  const queue = [...relations];
  const figures = new Map<string, RelationFigures>();
  await Promise.all(
    sessions.map(async (session) => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const found = await figuresOf(session, next);
        figures.set(found.relation, found);
      }
    }),
  );
  return new Map([...figures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface CompareOptions {
  /**
   * A physical restore (pgBackRest): unlogged tables come back empty, and a sequence may come
   * back ahead of the source (PostgreSQL logs sequences 32 values ahead; recovery resumes there).
   */
  readonly physical: boolean;
}

/** Every way the restored copy differs from the source; empty when they match. */
export function compareFigures(
  source: DatabaseFigures,
  restored: DatabaseFigures,
  options: CompareOptions,
): FigureDifference[] {
  const differences: FigureDifference[] = [];
  for (const [relation, from] of source) {
    const to = restored.get(relation);
    if (!to) {
      differences.push({ relation, problem: 'missing from the restored copy' });
      continue;
    }
    if (from.kind !== to.kind) {
      differences.push({
        relation,
        problem: `a ${from.kind} in the source, a ${to.kind} restored`,
      });
    } else if (from.kind === 'sequence') {
      const problem = sequenceProblem(from, to, options.physical);
      if (problem) differences.push({ relation, problem });
    } else if (from.unlogged && options.physical) {
      if (to.rows !== 0) {
        differences.push({
          relation,
          problem: `unlogged, so empty after a physical restore, yet ${to.rows} rows came back`,
        });
      }
    } else if (from.rows !== to.rows) {
      differences.push({
        relation,
        problem: `${from.rows} rows in the source, ${to.rows} restored`,
      });
    } else if (from.checksum !== to.checksum) {
      differences.push({
        relation,
        problem: `same ${from.rows} rows, different content (checksum ${to.checksum}, source ${from.checksum})`,
      });
    }
  }
  for (const relation of restored.keys()) {
    if (!source.has(relation)) differences.push({ relation, problem: 'not in the source' });
  }
  return differences;
}

function sequenceProblem(
  from: RelationFigures,
  to: RelationFigures,
  physical: boolean,
): string | undefined {
  if (from.checksum === to.checksum) return undefined;
  const ahead = BigInt(to.next ?? '0') - BigInt(from.next ?? '0');
  const direction = BigInt(from.increment ?? '1') < 0n ? -1n : 1n;
  if (physical && ahead * direction > 0n) return undefined;
  return `next value ${to.next} restored, ${from.next} in the source${
    ahead * direction < 0n ? ': behind, so new rows would reuse keys' : ''
  }`;
}
