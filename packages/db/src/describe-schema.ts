import { sql } from 'kysely';
import type { Database } from './database.js';

export interface ColumnDescription {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly default: string | null;
}

/** The public schema as PostgreSQL itself prints it: equal descriptions mean equal schemas. */
export interface SchemaDescription {
  readonly tables: readonly {
    readonly name: string;
    /** table, partitioned table, view, materialized view, sequence */
    readonly kind: string;
    readonly columns: readonly ColumnDescription[];
  }[];
  readonly indexes: readonly { readonly name: string; readonly definition: string }[];
  readonly constraints: readonly {
    readonly table: string;
    readonly name: string;
    readonly definition: string;
  }[];
  readonly triggers: readonly {
    readonly table: string;
    readonly name: string;
    readonly definition: string;
  }[];
  readonly functions: readonly { readonly signature: string; readonly definition: string }[];
  readonly views: readonly { readonly name: string; readonly definition: string }[];
  readonly types: readonly { readonly name: string; readonly definition: string }[];
  readonly extensions: readonly { readonly name: string; readonly version: string }[];
}

const KINDS: Record<string, string> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  S: 'sequence',
};

/**
 * Describes the `public` schema deterministically (everything sorted by name, definitions as
 * PostgreSQL's pg_get_*def functions print them), leaving out what extensions own: for tests
 * that apply a migration, roll it back and apply it again, and compare.
 */
export async function describeSchema(db: Database): Promise<SchemaDescription> {
  const k = db.kysely;
  const notFromExtension = (oid: string, catalog: string) =>
    sql.raw(`NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid}
      AND d.classid = '${catalog}'::regclass AND d.deptype = 'e')`);
  const relations = await sql<{ name: string; kind: string }>`
    SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
       AND ${notFromExtension('c.oid', 'pg_class')}
     ORDER BY c.relname`.execute(k);
  const columns = await sql<{
    table: string;
    name: string;
    type: string;
    nullable: boolean;
    default: string | null;
  }>`
    SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
           NOT a.attnotnull AS nullable, pg_get_expr(ad.adbin, ad.adrelid) AS default
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
       AND c.relkind IN ('r', 'p', 'v', 'm')
     ORDER BY c.relname, a.attnum`.execute(k);
  const indexes = await sql<{ name: string; definition: string }>`
    SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE schemaname = 'public' ORDER BY indexname`.execute(k);
  const constraints = await sql<{ table: string; name: string; definition: string }>`
    SELECT c.relname AS table, con.conname AS name, pg_get_constraintdef(con.oid) AS definition
      FROM pg_constraint con
      JOIN pg_class c ON c.oid = con.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND con.contype <> 't'
     ORDER BY c.relname, con.conname`.execute(k);
  const triggers = await sql<{ table: string; name: string; definition: string }>`
    SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND NOT t.tgisinternal
     ORDER BY c.relname, t.tgname`.execute(k);
  const functions = await sql<{ signature: string; definition: string }>`
    SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature,
           pg_get_functiondef(p.oid) AS definition
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
       AND ${notFromExtension('p.oid', 'pg_proc')}
     ORDER BY 1`.execute(k);
  const views = await sql<{ name: string; definition: string }>`
    SELECT c.relname AS name, pg_get_viewdef(c.oid) AS definition FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
     ORDER BY c.relname`.execute(k);
  const types = await sql<{ name: string; definition: string }>`
    SELECT t.typname AS name,
           CASE t.typtype WHEN 'e' THEN 'enum(' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                                      FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
                          WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
                          ELSE 'composite' END AS definition
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c')
       AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
       AND ${notFromExtension('t.oid', 'pg_type')}
     ORDER BY t.typname`.execute(k);
  const extensions = await sql<{ name: string; version: string }>`
    SELECT extname AS name, extversion AS version FROM pg_extension
     WHERE extname <> 'plpgsql' ORDER BY extname`.execute(k);

  const byTable = new Map<string, ColumnDescription[]>();
  for (const c of columns.rows) {
    const list = byTable.get(c.table) ?? [];
    list.push({ name: c.name, type: c.type, nullable: c.nullable, default: c.default });
    byTable.set(c.table, list);
  }
  return {
    tables: relations.rows.map((r) => ({
      name: r.name,
      kind: KINDS[r.kind] ?? r.kind,
      columns: byTable.get(r.name) ?? [],
    })),
    indexes: indexes.rows,
    constraints: constraints.rows,
    triggers: triggers.rows,
    functions: functions.rows,
    views: views.rows,
    types: types.rows,
    extensions: extensions.rows,
  };
}
