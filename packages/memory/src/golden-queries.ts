import { type Kysely, sql } from 'kysely';

/**
 * The recall guard's queries for a namespace: its configured set (memory_golden_queries) when
 * it has one; otherwise a deterministic sample of the namespace's own live embeddings, the
 * first `sampleSize` in content-digest order. The sample needs no configuration, tracks what the
 * namespace holds, and is the same for the same data, so a rerun measures the same thing.
 */
export async function goldenQueries(
  trx: Kysely<unknown>,
  namespace: string,
  sampleSize: number,
): Promise<{ source: 'configured' | 'sample'; vectors: string[] }> {
  const configured = await sql<{ embedding: string }>`
    SELECT embedding::text AS embedding FROM memory_golden_queries
    WHERE namespace = ${namespace} ORDER BY id`.execute(trx);
  if (configured.rows.length > 0) {
    return { source: 'configured', vectors: configured.rows.map((r) => r.embedding) };
  }
  const sample = await sql<{ embedding: string }>`
    SELECT embedding::text AS embedding FROM memories
    WHERE namespace = ${namespace} AND superseded_at IS NULL AND forgotten_at IS NULL
    ORDER BY content_digest, seq LIMIT ${sampleSize}`.execute(trx);
  return { source: 'sample', vectors: sample.rows.map((r) => r.embedding) };
}
