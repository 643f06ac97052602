import { type Kysely, sql } from 'kysely';
import type { RetentionPolicy } from './types.js';

/**
 * Applies one namespace's policy inside the caller's transaction: forgets (content and embedding
 * deleted, tombstone kept, reason 'retention:max_age' or 'retention:max_count') every row
 * recorded before now - maxAge, then every live row beyond the newest maxCount. The caller
 * checks the legal hold first. Returns how many rows each rule forgot.
 */
export async function applyRetention(
  trx: Kysely<unknown>,
  policy: RetentionPolicy,
  now: Date,
): Promise<{ maxAge: number; maxCount: number }> {
  let maxAge = 0;
  let maxCount = 0;
  if (policy.maxAgeMs !== null) {
    const cutoff = new Date(now.getTime() - policy.maxAgeMs);
    const result = await sql`
      UPDATE memories SET content = NULL, embedding = NULL, metadata = '{}'::jsonb,
        forgotten_at = now(), forgotten_reason = 'retention:max_age'
      WHERE namespace = ${policy.namespace} AND forgotten_at IS NULL
        AND recorded_at < ${cutoff}`.execute(trx);
    maxAge = Number(result.numAffectedRows ?? 0);
  }
  if (policy.maxCount !== null) {
    const result = await sql`
      UPDATE memories SET content = NULL, embedding = NULL, metadata = '{}'::jsonb,
        forgotten_at = now(), forgotten_reason = 'retention:max_count'
      WHERE id IN (
        SELECT id FROM memories
        WHERE namespace = ${policy.namespace} AND superseded_at IS NULL AND forgotten_at IS NULL
        ORDER BY recorded_at DESC, seq DESC OFFSET ${policy.maxCount})`.execute(trx);
    maxCount = Number(result.numAffectedRows ?? 0);
  }
  return { maxAge, maxCount };
}
