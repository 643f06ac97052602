import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type MemoryRow, memoryColumns } from './memory-row.js';
import type { MemoryFilter } from './types.js';

/** The WHERE clause of every search: the filters plus "has an embedding" (not forgotten). */
export function filterClause(filter: MemoryFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`m.forgotten_at IS NULL`];
  if (filter.namespace !== undefined) parts.push(sql`m.namespace = ${filter.namespace}`);
  if (filter.subject !== undefined) parts.push(sql`m.subject = ${filter.subject}`);
  if (filter.validAt !== undefined) {
    parts.push(sql`m.valid_from <= ${filter.validAt}`);
    parts.push(sql`(m.valid_to IS NULL OR m.valid_to > ${filter.validAt})`);
  }
  if (filter.asOf !== undefined) {
    // What was known then: recorded by then, and not yet closed by then.
    parts.push(sql`m.recorded_at <= ${filter.asOf}`);
    parts.push(sql`(m.superseded_at IS NULL OR m.superseded_at > ${filter.asOf})`);
  } else if (!filter.includeSuperseded) {
    parts.push(sql`m.superseded_at IS NULL`);
  }
  return sql.join(parts, sql` AND `);
}

export interface SearchSettings {
  /** hnsw.ef_search: candidates the index keeps per scan (raised to k when k is larger). */
  efSearch: number;
  /**
   * hnsw.iterative_scan: keep scanning the graph until k rows pass the filter. 'off' is the
   * plain scan that can come back short (the exact fallback still completes the answer).
   */
  iterativeScan: 'relaxed_order' | 'strict_order' | 'off';
  /** hnsw.max_scan_tuples: the iterative scan's bound before it gives up. */
  maxScanTuples: number;
}

export type SearchRow = MemoryRow & { distance: number | string };

/**
 * The served search: the HNSW index with pgvector's iterative scan, so rows the filter rejects
 * do not leave the answer short (pgvector filters after the index scan). SET LOCAL needs the
 * caller's transaction: the settings end with it and never leak into a pooled connection.
 * enable_seqscan stays off for the rest of the transaction; exactSearch turns it back on (and
 * index scans off), so the two can alternate in one transaction (the recall guard does).
 */
export async function indexSearch(
  trx: Kysely<unknown>,
  query: string,
  filter: MemoryFilter,
  k: number,
  settings: SearchSettings,
  withEmbedding = false,
): Promise<SearchRow[]> {
  const ef = Math.min(1000, Math.max(settings.efSearch, k));
  // set_config(..., true) is SET LOCAL: one round trip, bound parameters, gone at commit.
  // enable_seqscan off: the served search uses an index, HNSW or a btree when the filter is
  // selective enough that the planner prefers it (that path is exact). Without it, small or
  // unanalyzed tables get a sequential scan and "index recall" would compare exact with exact.
  await sql`SELECT set_config('hnsw.ef_search', ${String(ef)}, true),
    set_config('hnsw.iterative_scan', ${settings.iterativeScan}, true),
    set_config('hnsw.max_scan_tuples', ${String(settings.maxScanTuples)}, true),
    set_config('enable_seqscan', 'off', true),
    set_config('enable_indexscan', 'on', true)`.execute(trx);
  const { rows } = await sql<SearchRow>`
    SELECT ${memoryColumns(withEmbedding)}, m.embedding <=> ${query}::vector AS distance
    FROM memories m WHERE ${filterClause(filter)}
    ORDER BY m.embedding <=> ${query}::vector LIMIT ${k}`.execute(trx);
  // relaxed_order may return rows slightly out of order: the caller gets them sorted.
  return rows.sort((a, b) => Number(a.distance) - Number(b.distance));
}

/**
 * The exact answer: no index scan, so every matching row is compared (bitmap scans over the
 * btree filters stay allowed; HNSW cannot serve a bitmap scan). The recall guard's reference.
 */
export async function exactSearch(
  trx: Kysely<unknown>,
  query: string,
  filter: MemoryFilter,
  k: number,
  withEmbedding = false,
): Promise<SearchRow[]> {
  await sql`SELECT set_config('enable_indexscan', 'off', true),
    set_config('enable_seqscan', 'on', true)`.execute(trx);
  const { rows } = await sql<SearchRow>`
    SELECT ${memoryColumns(withEmbedding)}, m.embedding <=> ${query}::vector AS distance
    FROM memories m WHERE ${filterClause(filter)}
    ORDER BY m.embedding <=> ${query}::vector, m.seq LIMIT ${k}`.execute(trx);
  await sql`SELECT set_config('enable_indexscan', 'on', true)`.execute(trx);
  return rows;
}
